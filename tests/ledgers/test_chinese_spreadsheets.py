"""Monitoring files as they come from Chinese offices (issue 17): CSV saved by Excel on Chinese Windows
(GBK/GB18030, no byte order mark), Chinese headings and values, times as Excel writes them, the template
filled in as shown, and every problem of a file listed at once by row and column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from domain.ledgers import files as ledger_files
from domain.ledgers.models import MonitoringReading
from domain.ledgers.rules import PointInfo, ReadingInput, check_reading
from domain.ledgers.service import readings as reading_cases
from domain.spreadsheets import decode_csv
from tests.factories import actor
from tests.graphql_helpers import count
from tests.ledgers.test_portal_ledgers import china_yesterday, setup_ledger
from tests.portal_helpers import csrf_token, log_in

EN = {"Accept-Language": "en"}


def gbk_csv(lines: list[str]) -> bytes:
    """What Excel on Chinese Windows writes for "CSV (逗号分隔)": GBK, CRLF, no byte order mark."""
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


async def upload(client, number: str, name: str, data: bytes):  # type: ignore[no-untyped-def]
    token = await csrf_token(client, f"/ledger/{number}/import")
    return await client.post(
        f"/ledger/{number}/import",
        data={"csrf_token": token},
        files={"file": (name, data, "text/csv")},
        headers=EN,
    )


def test_a_gbk_file_is_read_as_gbk_and_a_utf8_one_as_utf8():
    text = "许可证编号,排放口编号,污染物,监测方式\r\nX,DW001,化学需氧量,手工监测\r\n"
    assert decode_csv(text.encode("gbk")) == text
    assert decode_csv(text.encode("gb18030")) == text
    assert decode_csv(("\ufeff" + text).encode("utf-8")) == text
    assert decode_csv(text.encode("utf-8")) == text


async def test_the_template_filled_in_as_shown_and_saved_by_chinese_excel_imports(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    template = (await client.get(f"/ledger/{permit.number}/template.csv")).content.decode("utf-8-sig")
    header, *rows = template.splitlines()
    filled = [header]
    for index, row in enumerate(rows):
        cells = row.split(",")
        cells[6] = f"{12.5 + index}"  # 浓度, the only cell the template leaves to fill
        filled.append(",".join(cells))

    response = await upload(client, permit.number, "模板.csv", gbk_csv(filled))

    assert response.status_code == 200, response.text
    assert f"Imported {len(rows)} readings" in response.text
    stored = (await session.exec(select(MonitoringReading).order_by(MonitoringReading.id))).all()
    assert [(r.outlet_code, r.pollutant, r.method) for r in stored] == [
        ("DA001", "SO2", "automatic"),
        ("DA001", "NOX", "automatic"),
        ("DA001", "PM", "manual"),
        ("DW001", "COD", "manual"),
        ("MF0001", "PM", "manual"),
    ]


async def test_chinese_headings_values_and_excel_times_import(client, session):
    permit, staff = await setup_ledger(session)
    await log_in(client, staff.username)
    day = china_yesterday(8)
    excel_time = f"{day.year}/{day.month}/{day.day} 8:00"  # how Chinese Excel writes it: no zero padding
    chinese_time = f"{day.year}年{day.month}月{day.day}日 9:00"
    data = gbk_csv(
        [
            "排污许可证编号,排放口,污染物名称,监测方式,采样时间,实测浓度,浓度单位",
            f"{permit.number},DA001,二氧化硫,在线监测,{excel_time},21.5,MG/M3",
            f"{permit.number},DW001,化学需氧量,手工监测,{chinese_time},48,mg/l",
        ]
    )

    response = await upload(client, permit.number, "十一月监测数据.csv", data)

    assert response.status_code == 200, response.text
    stored = (await session.exec(select(MonitoringReading).order_by(MonitoringReading.id))).all()
    assert [(r.pollutant, r.method, r.concentration) for r in stored] == [
        ("SO2", "automatic", 21.5),
        ("COD", "manual", 48.0),
    ]
    assert stored[0].measured_at.replace(tzinfo=UTC) == day.astimezone(UTC)


async def test_every_problem_of_a_file_comes_at_once_by_row_and_column(client, session):
    permit, staff = await setup_ledger(session)
    start = china_yesterday(1)
    await reading_cases.record_readings(
        session,
        actor(staff),
        permit_number=permit.number,
        readings=[
            ReadingInput(
                outlet_code="DA001",
                pollutant="SO2",
                method="automatic",
                measured_at=start,
                concentration=20,
                unit="mg/m3",
            )
        ],
    )
    await session.flush()
    before = await count(session, MonitoringReading)
    await log_in(client, staff.username)
    time = lambda hours: (start + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    data = gbk_csv(
        [
            "许可证编号,排放口编号,污染物,监测方式,监测时间,浓度,单位",
            f"{permit.number},DA001,二氧化硫,自动监测,{time(1)},abc,mg/m3",  # row 2: not a number
            f"{permit.number},DA001,二氧化硫,自动监测,{time(2)},20,kg",  # row 3: a unit that does not fit
            f"{permit.number},DA001,二氧化硫,自动监测,{time(0)},21,mg/m3",  # row 4: already recorded
            f"{permit.number},DA001,氯化氢,自动监测,{time(3)},2,mg/m3",  # row 5: not on this outlet's permit
            f"91310107MA1G000099001P,DA001,二氧化硫,自动监测,{time(4)},20,mg/m3",  # row 6: another permit
        ]
    )

    response = await upload(client, permit.number, "data.csv", data)

    assert response.status_code == 400
    problems = response.text
    assert "Nothing was written." in problems
    for row in ("2", "3", "4", "5", "6"):
        assert f'<td class="num">{row}</td>' in problems, row
    assert "Expected a number." in problems
    assert "A reading for this outlet, pollutant and time exists" in problems
    assert "import it from that permit" in problems
    assert await count(session, MonitoringReading) == before


def test_ph_in_mg_per_litre_is_refused_and_a_cod_without_unit_too():
    water = {"DW001": PointInfo("water", frozenset({"COD", "PH", "COLOR"}), {"COD": 500.0}, {})}
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)

    def codes(pollutant: str, unit: str, value: float = 7.2) -> list[tuple[str, str]]:
        reading = ReadingInput(
            outlet_code="DW001",
            pollutant=pollutant,
            method="manual",
            measured_at=now - timedelta(hours=2),
            concentration=value,
            unit=unit,
        )
        return [(e.field, e.code) for e in check_reading(reading, water, now)[1]]

    assert codes("PH", "mg/L") == [("unit", "unit_dimensionless")]
    assert codes("PH", "无量纲") == []
    assert codes("PH", "dimensionless") == []
    assert codes("COD", "dimensionless", 40) == [("unit", "unit")]
    assert codes("COLOR", "dimensionless", 30) == []  # colour is a dilution ratio (倍)


def test_the_ph_row_of_a_file_is_read_with_its_chinese_unit():
    data = gbk_csv(
        [
            "许可证编号,排放口编号,污染物,监测方式,监测时间,浓度,单位",
            "91310107MA1G000001001P,DW001,pH值,手工监测,2026-11-02 08:00,7.1,无量纲",
        ]
    )
    parsed = ledger_files.read_readings("ph.csv", data)
    assert parsed.errors == []
    reading = parsed.readings[0].reading
    assert (reading.pollutant, reading.method, reading.unit) == ("PH", "manual", "dimensionless")
