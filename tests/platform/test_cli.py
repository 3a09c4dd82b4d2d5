"""The operators' command line, against a real database of its own."""

import asyncio
import re

from sqlmodel import select

from demo.city import DEMO_PASSWORD, ENTERPRISES, LOGINS
from domain.accounts.models import ApiToken, User
from domain.actors import actor_for_token
from domain.db import Database
from tests.conftest import database_kind


def query(url, work):
    async def main():
        database = Database(url)
        try:
            async with database.read() as session:
                return await work(session)
        finally:
            await database.dispose()

    return asyncio.run(main())


def test_demo_loads_a_city_and_prints_every_login(cli, fresh_database_url):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert f"loaded {len(ENTERPRISES)} enterprises" in result.output
    assert DEMO_PASSWORD in result.output
    for login in LOGINS:
        assert login.username in result.output

    async def users(session):
        return (await session.exec(select(User.username))).all()

    assert "unitNN-staff" in result.output
    created = set(query(fresh_database_url, users))
    assert {login.username for login in LOGINS} <= created
    # Beyond the logins: the filing units' officers and Putuo's inspectors (demo/supervision_inspections.py).
    assert all(
        re.fullmatch(r"unit\d\d-staff|pt-(insp|station)-[a-z]+", name)
        for name in created - {login.username for login in LOGINS}
    )
    again = cli("demo", "--if-empty")
    assert again.exit_code == 0 and "not loaded" in again.output
    refused = cli("demo")
    assert refused.exit_code == 2


def test_the_province_scale_demo_refuses_a_bad_fraction_and_sqlite_writing_nothing(cli, fresh_database_url):
    async def users(session):
        return (await session.exec(select(User.username))).all()

    for fraction in ("0", "-1", "1.5", "nan"):
        bad = cli("demo", "--scale", "province", "--fraction", fraction)
        assert bad.exit_code == 2 and "fraction" in bad.output, bad.output
    if database_kind() == "sqlite":
        refused = cli("demo", "--scale", "province", "--fraction", "0.01")
        assert refused.exit_code == 2
        assert "needs PostgreSQL" in refused.output
    assert query(fresh_database_url, users) == []


def test_create_user_and_create_token_as_operators_script_them(cli, fresh_database_url):
    assert cli("demo").exit_code == 0
    created = cli(
        "create-user",
        "--username",
        "jn-station",
        "--password",
        "station-pass-1",
        "--role",
        "monitoring_station",
        "--region",
        "370100",
    )
    assert created.exit_code == 0, created.output
    token = cli("create-token", "--username", "jn-station")
    assert token.exit_code == 0
    plain = token.output.strip()
    assert plain.startswith("pwt_") and "\n" not in plain  # only the token: scripts capture it

    async def lookup(session):
        return await actor_for_token(session, token=plain)

    found = query(fresh_database_url, lookup)
    assert found is not None and found.actor.username == "jn-station"

    async def stored(session):
        return (await session.exec(select(ApiToken.token_hash))).all()

    assert plain not in query(fresh_database_url, stored)  # only its hash is kept


def test_create_user_explains_what_is_wrong_and_creates_nothing(cli, fresh_database_url):
    result = cli("create-user", "--username", "x", "--password", "short", "--role", "permitting")
    assert result.exit_code == 2
    assert "username:" in result.output and "password:" in result.output and "region:" in result.output
    bad_code = cli(
        "create-user",
        "--username",
        "ent-user",
        "--password",
        "long-enough-pass",
        "--role",
        "enterprise_staff",
        "--enterprise",
        "91350100M000100Y44",
    )
    assert bad_code.exit_code == 2 and "enterprise:" in bad_code.output

    async def count(session):
        return len((await session.exec(select(User))).all())

    assert query(fresh_database_url, count) == 0


def test_create_token_for_an_unknown_user_fails_cleanly(cli):
    result = cli("create-token", "--username", "ghost")
    assert result.exit_code == 2 and "No user with this username" in result.output


def test_the_cli_works_in_a_fresh_interpreter(fresh_database_url):
    """In-process tests have every module imported already; operators start a new process."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": fresh_database_url}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "create-user",
            "--username",
            "fresh-admin",
            "--password",
            "fresh-password-1",
            "--role",
            "admin",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "created user fresh-admin" in result.stdout


def test_import_permits_loads_the_example_file_and_refuses_a_bad_one(cli, fresh_database_url, tmp_path):
    from pathlib import Path

    assert cli("demo").exit_code == 0
    examples = Path(__file__).resolve().parents[2] / "web_templates/static/examples"
    example = examples / "permits-import-example.json"
    result = cli("import-permits", str(example), "--username", "pt-permitting")
    assert result.exit_code == 0, result.output
    assert "imported 2 permits" in result.output
    again = cli("import-permits", str(example), "--username", "pt-permitting")
    assert again.exit_code == 2 and "already in use" in again.output  # all or nothing: nothing new
    broken = tmp_path / "broken.json"
    broken.write_text('{"not": "a list"}', encoding="utf-8")
    assert cli("import-permits", str(broken), "--username", "pt-permitting").exit_code == 2
