"""A real server (uvicorn, as `permitwatch serve` runs it) and Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.servers import free_port, running, serve_command

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def demo_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city built once per test session (about two minutes), with its bulk download: each module's
    server starts from a copy of it, so modules stay independent of what the others did without each
    building the city."""
    instance = tmp_path_factory.mktemp("demo-template")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{instance / 'browser.db'}",
        "INSTANCE_PATH": str(instance),
        "ENVIRONMENT": "test",
    }
    python = sys.executable
    subprocess.run(
        [python, "-m", "server.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    subprocess.run([python, "-m", "server.cli", "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    # The day's bulk download, as the worker writes it (INSTANCE_PATH/bulk, copied with the instance).
    subprocess.run(
        [python, "-m", "server.cli", "bulk-export"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    return instance


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, demo_instance: Path) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    instance = tmp_path_factory.mktemp("instance")
    shutil.copytree(demo_instance, instance, dirs_exist_ok=True)  # the database and any stored files
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{instance / 'browser.db'}",
        "INSTANCE_PATH": str(instance),
        "ENVIRONMENT": "test",
    }
    port = free_port()
    with running(serve_command(port), port, env=env, instance=instance) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 860}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def go_to(page, text: str | None = None, *, href: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Follow a link of the main navigation as a person does: open the phone's menu or the link's group first.

    The link is named by its exact text (``go_to(page, "执法检查")``) or its address (``href="/cases"``).
    """
    inner = f"a[href='{href}']" if href else f"a:text-is('{text}')"
    link = page.locator(f"nav.mainnav {inner}").first
    toggle = page.locator("button.navtoggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    if not link.is_visible():
        group = page.locator("nav.mainnav details.navgroup").filter(has=page.locator(inner))
        group.first.locator("summary").click()
    with page.expect_navigation():  # (the page may send on: /ledger to its first permit's ledger)
        link.click()
