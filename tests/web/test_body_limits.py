"""Every request body has a limit, enforced while it streams in: 413, the limit stated, the rest unread."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from server.app import create_app
from tests.factories import make_user
from tests.platform.test_serve import ROOT, answers, free_port, wait_for
from tests.portal_helpers import csrf_token, log_in

MB = 1024 * 1024
CHUNK = 64 * 1024


class Stream:
    """A request body of ``total`` bytes sent in 64 KB chunks; counts how much the server pulled."""

    def __init__(self, total: int, prefix: bytes = b"") -> None:
        self.total = total
        self.prefix = prefix
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.prefix:
            self.sent += len(self.prefix)
            yield self.prefix
        while self.sent < self.total:
            chunk = b"x" * min(CHUNK, self.total - self.sent)
            self.sent += len(chunk)
            yield chunk


async def test_a_graphql_body_declared_too_large_is_refused_before_it_is_read(client, settings):
    body = Stream(100 * MB)

    response = await client.post(
        "/graphql",
        content=body,
        headers={
            "Content-Type": "application/json",
            "Content-Length": str(100 * MB),
            "Accept-Language": "en",
        },
    )

    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "payload_too_large"
    assert error["extensions"]["limitBytes"] == settings.max_graphql_body_bytes == 16 * MB
    assert "16 MB" in error["message"]
    assert body.sent == 0


async def test_a_chunked_graphql_body_is_cut_off_at_the_limit(client, settings):
    body = Stream(100 * MB, prefix=b'{"query": "{ viewer { username } }", "x": "')

    response = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["limitBytes"] == settings.max_graphql_body_bytes
    assert body.sent <= settings.max_graphql_body_bytes + CHUNK  # the 99 MB after it were never read


async def test_a_form_body_past_its_limit_gets_a_page_stating_the_limit(client, settings):
    token = await csrf_token(client)
    body = Stream(100 * MB, prefix=f"csrf_token={token}&username=a&password=".encode())

    response = await client.post(
        "/login",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"},
    )

    assert response.status_code == 413
    assert "text/html" in response.headers["content-type"]
    assert "The request is too large" in response.text and "at most 1 MB" in response.text
    assert body.sent <= settings.max_form_body_bytes + CHUNK


async def test_the_refusal_page_speaks_chinese_by_default(client):
    response = await client.post(
        "/login",
        content=b"x" * (MB + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 413
    assert "请求过大" in response.text and "1 MB" in response.text


def multipart(boundary: str, csrf: str, size: int) -> tuple[bytes, bytes]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="permits.json"\r\n'
        "Content-Type: application/json\r\n\r\n"
    ).encode()
    return head, f"\r\n--{boundary}--\r\n".encode()


async def test_uploads_have_their_own_larger_limit(db, settings, session):
    await make_user(session, "permitting", username="upload.limit")
    app = create_app(settings.model_copy(update={"max_upload_body_bytes": 4 * MB}), db)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        await log_in(browser, "upload.limit")
        csrf = await csrf_token(browser, "/permits/import")
        boundary = "limitboundary"
        head, tail = multipart(boundary, csrf, 0)
        content_type = f"multipart/form-data; boundary={boundary}"

        # 2 MB: above the 1 MB of an ordinary form, within the upload limit: the import page reads it
        small = head + b"[" + b" " * (2 * MB) + b"]" + tail
        accepted = await browser.post(
            "/permits/import", content=small, headers={"Content-Type": content_type}
        )
        # 100 MB, chunked: cut off at the 4 MB upload limit
        big = Stream(100 * MB, prefix=head)
        refused = await browser.post("/permits/import", content=big, headers={"Content-Type": content_type})

    assert accepted.status_code != 413, accepted.text
    assert refused.status_code == 413
    assert "4 MB" in refused.text
    assert big.sent <= 4 * MB + CHUNK


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _send_chunked(port: int, path: str, total: int) -> tuple[bytes, int]:
    """POST ``total`` bytes chunked to a real server; stop when it answers. Returns (answer, bytes sent)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = f"{CHUNK:x}\r\n".encode() + b"x" * CHUNK + b"\r\n"
        try:
            while sent < total:
                if select.select([conn], [], [], 0)[0]:
                    break  # the server has answered: stop sending
                conn.sendall(chunk)
                sent += CHUNK
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        with contextlib.suppress(OSError):
            while not answer.endswith(b"}") and len(answer) < 65536:
                data = conn.recv(65536)
                if not data:
                    break
                answer += data
    return answer, sent


def test_a_real_server_refuses_100_mb_chunked_without_reading_it(fresh_database_url, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database_url,
        "INSTANCE_PATH": str(tmp_path),
        "MAX_GRAPHQL_BODY_BYTES": str(MB),
    }
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--no-access-log"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_for(lambda: answers(f"http://127.0.0.1:{port}")), "the server answers"
        before = _rss_kb(server.pid)

        answer, sent = _send_chunked(port, "/graphql", 100 * MB)

        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"payload_too_large" in answer and b'"limitBytes":1048576' in answer
        assert sent < 10 * MB  # it answered long before the 100 MB were sent
        assert _rss_kb(server.pid) - before < 30 * 1024  # and did not keep the body in memory
        assert answers(f"http://127.0.0.1:{port}")  # still serving
    finally:
        server.terminate()
        server.wait(timeout=30)
