"""`permitwatch import-monitoring FILE`: bulk readings from CSV, bad rows named, nothing half-written."""

import asyncio
from datetime import timedelta

from sqlmodel import func, select

from domain.clock import utcnow
from domain.db import Database
from domain.ledgers.models import Exceedance, MonitoringReading
from tests.factories import make_enterprise, make_permit, make_user

HEADER = "许可证编号,排放口编号,污染物代码,监测方式,监测时间,浓度,单位,流量\n"


def prepare(url):
    async def main():
        database = Database(url)
        try:
            async with database.transaction() as session:
                enterprise = await make_enterprise(session)
                permit = await make_permit(session, enterprise)
                await make_user(session, "enterprise_staff", enterprise=enterprise, username="shenpu-staff")
                return permit.number
        finally:
            await database.dispose()

    return asyncio.run(main())


def count(url, model, *where):
    async def main():
        database = Database(url)
        try:
            async with database.read() as session:
                return (await session.exec(select(func.count()).select_from(model).where(*where))).one()
        finally:
            await database.dispose()

    return asyncio.run(main())


def csv_rows(number, values, start):
    lines = [HEADER]
    for hour, value in enumerate(values):
        moment = (start + timedelta(hours=hour)).strftime("%Y-%m-%d %H:%M")
        lines.append(f"{number},DA001,SO2,automatic,{moment},{value},mg/m3,180000\n")
    return "".join(lines)


def test_a_csv_of_hourly_data_is_imported_with_its_exceedances(cli, fresh_database_url, tmp_path):
    number = prepare(fresh_database_url)
    start = (utcnow() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    path = tmp_path / "so2.csv"
    path.write_text(csv_rows(number, [20] * 10 + [50, 60] + [20] * 12, start), encoding="utf-8")
    result = cli("import-monitoring", str(path), "--username", "shenpu-staff", "--batch-size", "10")
    assert result.exit_code == 0, result.output
    assert "imported 24 readings" in result.output
    assert count(fresh_database_url, MonitoringReading) == 24
    assert count(fresh_database_url, Exceedance) == 1


def test_bad_cells_are_named_by_row_and_column_and_nothing_is_written(cli, fresh_database_url, tmp_path):
    number = prepare(fresh_database_url)
    start = (utcnow() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    text = csv_rows(number, [20, "abc", 30], start)
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    result = cli("import-monitoring", str(path), "--username", "shenpu-staff")
    assert result.exit_code == 2
    assert "row 3: concentration" in result.output
    assert count(fresh_database_url, MonitoringReading) == 0


def test_a_pollutant_the_outlet_does_not_have_is_refused_with_its_row(cli, fresh_database_url, tmp_path):
    number = prepare(fresh_database_url)
    start = (utcnow() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    text = csv_rows(number, [20, 21], start).replace("DA001,SO2,automatic,", "DA001,COD,automatic,", 1)
    path = tmp_path / "cod.csv"
    path.write_text(text, encoding="utf-8")
    result = cli("import-monitoring", str(path), "--username", "shenpu-staff")
    assert result.exit_code == 2 and "row 2: pollutant" in result.output
    assert count(fresh_database_url, MonitoringReading) == 0


def test_a_file_without_the_required_columns_says_which(cli, fresh_database_url, tmp_path):
    prepare(fresh_database_url)
    path = tmp_path / "cols.csv"
    path.write_text("许可证编号,浓度\nX,1\n", encoding="utf-8")
    result = cli("import-monitoring", str(path), "--username", "shenpu-staff")
    missing = "排放口编号 (outlet), 污染物 (pollutant), 监测方式 (method), 监测时间 (measured_at), "
    missing += "单位 (unit)"
    assert result.exit_code == 2 and f"Missing columns: {missing}" in result.output
