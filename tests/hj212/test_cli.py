"""`permitwatch register-station` and `permitwatch hj212` as an operator runs them, on a fresh database."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from domain.db import Database
from domain.ledgers.models import MonitoringReading
from tests.factories import make_enterprise, make_permit
from tests.hj212.station import MN, an_hour_ago_in_china, hourly

PERMITWATCH = Path(sys.executable).with_name("permitwatch")


def prepare(url: str) -> str:
    async def main() -> str:
        database = Database(url)
        try:
            async with database.transaction() as session:
                permit = await make_permit(session, await make_enterprise(session))
                return permit.number or ""
        finally:
            await database.dispose()

    return asyncio.run(main())


def readings(url: str) -> list[tuple[str, float]]:
    async def main() -> list[tuple[str, float]]:
        database = Database(url)
        try:
            async with database.read() as session:
                from sqlmodel import select

                rows = await session.exec(
                    select(MonitoringReading.pollutant, MonitoringReading.concentration)
                )
                return sorted(rows.all())
        finally:
            await database.dispose()

    return asyncio.run(main())


def test_a_station_registered_on_the_command_line_sends_to_the_listener(cli, fresh_database_url):
    number = prepare(fresh_database_url)
    refused = cli(
        "register-station", "--permit", number, "--outlet", "DA009", "--mn", "bad mn", "--password", "1"
    )
    assert refused.exit_code == 2
    assert "mn: An MN is 1 to 24" in refused.output and "outlet_code: No outlet DA009" in refused.output
    done = cli(
        "register-station", "--permit", number, "--outlet", "DA001", "--mn", MN, "--password", "123456"
    )
    assert done.exit_code == 0 and f"registered station {MN}" in done.output
    environment = {**os.environ, "DATABASE_URL": fresh_database_url}
    listener = subprocess.Popen(
        [str(PERMITWATCH), "hj212", "--port", "0", "--region", "310107"],
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert listener.stderr is not None
        line = listener.stderr.readline()
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert found, line
        with socket.create_connection(("127.0.0.1", int(found.group(1))), timeout=10) as station:
            station.sendall(hourly(an_hour_ago_in_china(), {"a21026": 21.4, "a21002": 38.2}))
            reply = station.recv(1024)
        assert b"CN=9014;" in reply and reply.endswith(b"\r\n")
    finally:
        listener.send_signal(signal.SIGINT)
        try:
            listener.wait(timeout=10)
        except subprocess.TimeoutExpired:
            listener.kill()
            listener.wait()
    time.sleep(0.1)
    assert readings(fresh_database_url) == [("NOX", 38.2), ("SO2", 21.4)]
