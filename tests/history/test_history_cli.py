"""`permitwatch import-history FILE`: the sample imports, again writes nothing, a bad file writes nothing."""

import asyncio
import json

from domain.db import Database
from tests.history.test_history_import import SAMPLE, putuo


def test_the_cli_imports_the_sample_once_and_lists_bad_lines(cli, fresh_database_url, tmp_path):
    async def seed() -> str:
        database = Database(fresh_database_url)
        try:
            async with database.transaction() as session:
                return (await putuo(session)).username or ""
        finally:
            await database.dispose()

    username = asyncio.run(seed())
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[9])
    bad["received_at"] = "2024-10-15 23:30"  # no offset
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*lines[:9], json.dumps(bad, ensure_ascii=False)]), encoding="utf-8")
    refused = cli("import-history", str(broken), "--username", username)
    assert refused.exit_code == 2
    assert "line 10: received_at" in refused.output and "nothing was imported" in refused.output
    result = cli("import-history", str(SAMPLE), "--username", username)
    assert result.exit_code == 0, result.output
    assert "2 new permits, 4 permit versions, 5 applications, 3 report submissions" in result.output
    assert "from 全国排污许可证管理信息平台" in result.output and "late first submission" in result.output
    again = cli("import-history", str(SAMPLE), "--username", username)
    assert again.exit_code == 0 and "nothing new: 12 records were imported before" in again.output
