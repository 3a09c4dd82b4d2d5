"""The bulk download of the public datasets: each file lists what the public pages list and nothing they
withhold; CSV and Parquet say the same; the manifest's hashes are the files'; a new generation replaces the
old one only once complete; the worker makes one a day; the page and the files are served without login."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from domain.access import ANONYMOUS, operator
from domain.agencies import service as agencies
from domain.agencies.models import CreditEvent
from domain.agencies.queries.directory import DirectoryFilter, directory
from domain.agencies.rules import AgencyInput, QualificationInput, StaffInput
from domain.clock import history_at, today
from domain.disclosure.bulk import datasets as bulk_datasets
from domain.disclosure.bulk import export as bulk
from domain.disclosure.bulk.dictionary import DATASET_NAMES, DATASETS, dataset
from domain.disclosure.queries.permit_page import public_outlet
from domain.disclosure.queries.register import PublicPermitFilter, expired_not_renewed, search_permits
from domain.permits.models import PermitOutlet
from domain.permits.service.cancellation import revoke_permit
from domain.reports.queries.editor import get_draft
from domain.reports.queries.public import public_annual_reports
from domain.supervision.cases.models import EnforcementCase
from domain.supervision.cases.queries import public_penalties
from tests.factories import actor, credit_code, file_report, make_enterprise, make_permit, make_user

SECRET_PRODUCT = "特种电力产品XYZ机密"


def csv_rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def years_ago(years: int, plus_days: int = 0) -> str:
    day = today()
    return (day.replace(year=day.year - years) + timedelta(days=plus_days)).isoformat()


async def arrange(session, db):  # type: ignore[no-untyped-def]
    """A small city: permits in force, expired, revoked; an application never issued; an annual report
    filed twice (its permit marks "products" secret) and a quarterly one; agencies approved and pending with
    public and private credit events; closed and open cases."""
    in_force_unit = await make_enterprise(session, name="批量下载热电有限公司")
    in_force = await make_permit(session, in_force_unit, decision_date=years_ago(2))
    expired_day = (today().replace(day=1) - timedelta(days=5)).isoformat()
    expired = await make_permit(
        session,
        await make_enterprise(session, name="批量下载过期公司"),
        decision_date=years_ago(3),
        valid_until=expired_day,
        validity_cut_reason="淘汰落后产能",
    )
    revoked = await make_permit(session, await make_enterprise(session, name="批量下载撤销公司"))
    await revoke_permit(session, operator(), number=revoked.number, reason="以欺骗手段取得")
    staff = await make_user(session, "enterprise_staff", enterprise=in_force_unit)
    await session.flush()
    period = str(today().year - 1)
    draft = await get_draft(
        session, actor(staff), permit_number=in_force.number, kind="annual", period=period
    )
    content = dict(draft.content)
    content["production"] = {**(content.get("production") or {}), "main_products": SECRET_PRODUCT}
    await file_report(
        db, actor(staff), in_force, period, {**content, "statement": "第一次"}, "a1", kind="annual"
    )
    await file_report(
        db, actor(staff), in_force, period, {**content, "statement": "更正说明"}, "a2", kind="annual"
    )
    quarter = f"{today().year - 1}-Q4"
    quarterly = await get_draft(
        session, actor(staff), permit_number=in_force.number, kind="quarterly", period=quarter
    )
    await file_report(db, actor(staff), in_force, quarter, quarterly.content, "q1", kind="quarterly")

    approved = await _agency(session, "批量下载审核通过机构")
    await agencies.review_agency(session, operator(), credit_code=approved.credit_code, decision="approve")
    pending = await _agency(session, "批量下载待审核机构")
    session.add(
        CreditEvent(
            agency_id=approved.id,
            kind="falsified_data",
            points=-30,
            source_type="inspection",
            source_id="X1",
            note="监测数据造假（公开）",
            public=True,
        )
    )
    session.add(
        CreditEvent(
            agency_id=approved.id,
            kind="finding_warning",
            points=-1,
            source_type="finding",
            source_id="F1",
            note="内部记录不公开",
            public=False,
        )
    )
    for status, number in (("closed", "普环罚〔2026〕1号"), ("decided", "普环罚〔2026〕2号")):
        session.add(
            EnforcementCase(
                region_code="310107",
                enterprise_id=in_force_unit.id,
                unit_name=in_force_unit.name,
                permit_id=in_force.id,
                outlet_code="DA001",
                classification="against_permit",
                facts="内部案情不公开",
                legal_basis="《排污许可管理条例》第三十四条",
                status=status,
                opened_on=today() - timedelta(days=30),
                case_number=number,
                decision="罚款",
                penalty_cents=20_000_000,
                measures=["order_correction"],
                decided_on=today() - timedelta(days=5),
                closed_on=today() if status == "closed" else None,
                created_by="brigade",
            )
        )
    await session.flush()
    return {"in_force": in_force, "expired": expired, "revoked": revoked, "staff": staff, "pending": pending}


async def _agency(session, name: str):  # type: ignore[no-untyped-def]
    agency = await agencies.register_agency(
        session,
        operator("portal"),
        data=AgencyInput(
            name=name,
            credit_code=credit_code(),
            address="上海市普陀区",
            region_code="310107",
            contact_person="周敏",
            contact_phone="021-52009999",
            service_types=["reports"],
            qualifications=[QualificationInput("环境监测资质", "CMA-1", date(2028, 12, 31))],
        ),
        staff=[StaffInput(username=f"bulk-clerk-{credit_code()[-6:]}", password="agency-password-1")],
    )
    await session.flush()
    return agency


async def _every_search_row(session):  # type: ignore[no-untyped-def]
    rows, offset = [], 0
    while True:
        page = await search_permits(session, filters=PublicPermitFilter(), first=100, offset=offset)
        rows += page.items
        offset += 100
        if offset >= page.total:
            return rows


async def test_each_dataset_lists_what_the_public_pages_list_and_nothing_they_withhold(
    client, session, db, settings, tmp_path
):  # type: ignore[no-untyped-def]
    world = await arrange(session, db)
    manifest = await bulk.export(db, settings, root=tmp_path)
    assert manifest is not None
    files = {name: csv_rows(tmp_path / manifest.generation / f"{name}.csv") for name in DATASET_NAMES}

    # The register: the public search's rows, in its order, with the status it shows.
    searched = await _every_search_row(session)
    assert [(r["number"], r["status"]) for r in files["permits"]] == [(r.number, r.status) for r in searched]
    # ... and the numbers the search page itself links to, page by page.
    linked: list[str] = []
    for page_number in range(1, len(searched) // 20 + 2):
        html = (await client.get("/public/permits", params={"page": page_number})).text
        linked += re.findall(r'href="/public/(?:permits|registrations)/([^"]+)"><code>', html)
    assert linked == [r["number"] for r in files["permits"]]
    statuses = {r["number"]: r["status"] for r in files["permits"]}
    assert statuses[world["expired"].number] == "expired" and statuses[world["revoked"].number] == "revoked"

    # Outlets and their limits: what each outlet page shows (not the fugitive sources).
    mine = [r for r in files["outlets"] if r["permit_number"] == world["in_force"].number]
    codes = (
        await session.exec(
            PermitOutlet.__table__.select().where(  # type: ignore[attr-defined]
                PermitOutlet.permit_id == world["in_force"].id,
                PermitOutlet.is_fugitive.is_(False),  # type: ignore[attr-defined]
            )
        )
    ).all()
    assert sorted(r["outlet_code"] for r in mine) == sorted(c.code for c in codes) and mine
    for row in mine:
        page = await public_outlet(session, number=row["permit_number"], code=row["outlet_code"])
        assert row["outlet_name"] == page.outlet.name and row["unit_name"] == page.unit_name
        limits = [
            r
            for r in files["outlet_limits"]
            if (r["permit_number"], r["outlet_code"]) == (row["permit_number"], row["outlet_code"])
        ]
        assert [(r["pollutant_code"], float(r["concentration_limit"])) for r in limits] == [
            (limit.pollutant, limit.concentration_limit) for limit in page.limits
        ]

    # Annual reports: every submission the public page lists, the latest content without the secret section.
    public = await public_annual_reports(session, ANONYMOUS, permit_number=world["in_force"].number)
    [report] = public.reports
    annual = files["annual_reports"]
    assert [(r["period"], r["version"], r["content_hash"]) for r in annual] == [
        (report.period, str(s.version), s.content_hash) for s in report.submissions
    ]
    assert [r["is_latest"] for r in annual] == ["false", "true"] and annual[0]["content_json"] == ""
    assert json.loads(annual[1]["content_json"]) == report.content
    assert annual[1]["hidden_sections"] == ";".join(report.hidden_sections) and report.hidden_sections
    assert not any(r["period"].endswith("Q4") for r in annual)  # quarterly reports are not public

    # The expired list of the month.
    month = date.fromisoformat(world["expired"].valid_until.isoformat()).replace(day=1)
    listing = await expired_not_renewed(session, month=month)
    assert [r["permit_number"] for r in files["expired"] if r["month"] == month.strftime("%Y-%m")] == [
        r.number for r in listing.rows
    ]

    # Agencies: the directory as the public reads it; only public credit events.
    listed = await directory(session, ANONYMOUS, filters=DirectoryFilter(status=""), first=100)
    assert [r["credit_code"] for r in files["agencies"]] == [item.agency.credit_code for item in listed.items]
    assert world["pending"].credit_code not in {r["credit_code"] for r in files["agencies"]}
    assert [r["note"] for r in files["agency_credit_events"]] == ["监测数据造假（公开）"]

    # Penalties: the closed case only, as published.
    published = await public_penalties(session)
    assert (
        [r["case_number"] for r in files["penalties"]]
        == [p.case_number for p in published]
        == ["普环罚〔2026〕1号"]
    )
    assert files["penalties"][0]["penalty_yuan"] == "200000.0"
    penalties_page = (await client.get("/public/penalties")).text
    assert "普环罚〔2026〕1号" in penalties_page and "普环罚〔2026〕2号" not in penalties_page

    # Nothing the pages withhold is in any file: secret sections, staff, contacts, case facts.
    everything = b"".join(path.read_bytes() for path in (tmp_path / manifest.generation).iterdir())
    for withheld in (
        SECRET_PRODUCT,
        world["staff"].username,
        "021-52009999",
        "周敏",
        "内部案情不公开",
        "内部记录不公开",
    ):
        assert withheld.encode() not in everything, withheld


async def test_parquet_holds_the_csv_rows_typed_and_the_manifest_hashes_are_the_files(
    session, db, settings, tmp_path
):  # type: ignore[no-untyped-def]
    await arrange(session, db)
    manifest = await bulk.export(db, settings, root=tmp_path)
    assert manifest is not None
    folder = tmp_path / manifest.generation
    raw = json.loads((folder / "manifest.json").read_text())
    assert raw["format"] == "permitwatch-bulk/1" and raw["generated_at"].endswith("Z")
    for entry in raw["datasets"]:
        found = dataset(entry["name"])
        rows = csv_rows(folder / f"{found.name}.csv")
        assert entry["rows"] == len(rows)
        table = pq.read_table(folder / f"{found.name}.parquet")
        assert table.column_names == [c.name for c in found.columns] and table.num_rows == len(rows)
        for column in found.columns:
            written = [row[column.name] for row in rows]
            values = table.column(column.name).to_pylist()
            assert [_as_csv(v) for v in values] == [w.removeprefix("'") for w in written], (
                found.name,
                column.name,
            )
        for file in entry["files"]:
            data = (folder / file["name"]).read_bytes()
            assert file["bytes"] == len(data) and file["sha256"] == hashlib.sha256(data).hexdigest()
    annual = pq.read_table(folder / "annual_reports.parquet")
    assert str(annual.schema.field("received_at").type) == "timestamp[us, tz=UTC]"
    assert str(annual.schema.field("due_date").type) == "date32[day]"
    dictionary = json.loads((folder / "dictionary.json").read_text())
    assert [d["name"] for d in dictionary["datasets"]] == [d.name for d in DATASETS]
    status = next(c for c in dictionary["datasets"][0]["columns"] if c["name"] == "status")
    [revoked] = [v for v in status["values"] if v["code"] == "revoked"]
    assert revoked["en"] == "Revoked by the authority" and revoked["zh"] != revoked["en"]  # both languages


async def test_a_dataset_streamed_in_small_chunks_writes_the_same_files(
    session, db, settings, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    """A province's datasets do not fit in memory: each is read and written a chunk at a time. Chunks of two
    rows and row groups of three give the same rows, in the same order, as one chunk."""
    await arrange(session, db)
    for number in range(5):
        await make_permit(session, await make_enterprise(session, name=f"分块导出公司{number}"))
    await session.flush()
    whole = await bulk.export(db, settings, root=tmp_path / "whole")
    monkeypatch.setattr(bulk_datasets, "CHUNK", 2)
    monkeypatch.setattr(bulk.ParquetFile, "ROW_GROUP", 3)
    chunked = await bulk.export(db, settings, root=tmp_path / "chunked")
    assert whole is not None and chunked is not None
    for entry in chunked.datasets:
        assert entry.rows == next(d.rows for d in whole.datasets if d.name == entry.name)
        assert (chunked.folder / f"{entry.name}.csv").read_bytes() == (
            whole.folder / f"{entry.name}.csv"
        ).read_bytes(), entry.name
        small = pq.read_table(chunked.folder / f"{entry.name}.parquet")
        assert small.equals(pq.read_table(whole.folder / f"{entry.name}.parquet")), entry.name
    permits = pq.ParquetFile(chunked.folder / "permits.parquet")
    assert permits.metadata.num_rows >= 7 and permits.num_row_groups > 1


def _as_csv(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


async def test_a_new_generation_replaces_the_old_only_once_complete(
    session, db, settings, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    await make_permit(session, await make_enterprise(session, name="原子替换公司"))
    await session.flush()
    first = await bulk.export(db, settings, root=tmp_path)
    assert first is not None

    def broken(self):  # type: ignore[no-untyped-def]
        if self.dataset.name == "penalties":  # the last dataset: the others are written by then
            raise OSError("disk full")
        return original(self)

    original = bulk.ParquetFile.close
    monkeypatch.setattr(bulk.ParquetFile, "close", broken)
    with pytest.raises(OSError):
        await bulk.export(db, settings, root=tmp_path)
    # The old generation is still the one in force, whole; the broken one is not.
    still = bulk.current_manifest(tmp_path)
    assert still is not None and still.generation == first.generation
    for found in still.datasets:
        for file in found.files:
            assert hashlib.sha256((still.folder / file.name).read_bytes()).hexdigest() == file.sha256
    monkeypatch.setattr(bulk.ParquetFile, "close", original)
    second = await bulk.export(db, settings, root=tmp_path)
    assert second is not None and second.generation != first.generation
    assert bulk.current_manifest(tmp_path).generation == second.generation  # type: ignore[union-attr]
    # The previous generation stays for downloads under way; the interrupted one is gone.
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".") and p.is_dir()) == sorted(
        [first.generation, second.generation]
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    third = await bulk.export(db, settings, root=tmp_path)
    assert third is not None and not (tmp_path / first.generation).exists()


async def test_the_worker_job_writes_one_generation_a_day(session, db, settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(settings, "bulk_export_path", tmp_path)
    job = bulk.DailyJob(settings)
    made = await job(db)
    assert made is not None
    assert await job(db) is None and await job(db) is None  # the same China day: nothing more
    assert bulk.current_manifest(tmp_path).generation == made.generation  # type: ignore[union-attr]
    with history_at(datetime.now(UTC) + timedelta(days=1)):
        tomorrow = await job(db)
        assert tomorrow is not None and tomorrow.china_date == today()
        assert await job(db) is None


async def test_the_data_page_lists_the_files_and_serves_them_without_login(
    client, session, db, settings, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(settings, "bulk_export_path", tmp_path)
    empty = await client.get("/public/data", headers={"Accept-Language": "en"})
    assert empty.status_code == 200 and 'id="not-yet"' in empty.text
    await make_permit(session, await make_enterprise(session, name="数据页面公司"))
    await session.flush()
    manifest = await bulk.export(db, settings)
    assert manifest is not None
    home = await client.get("/public")
    assert 'href="/public/data"' in home.text
    page = await client.get("/public/data", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "set-cookie" not in page.headers
    for found in manifest.datasets:
        assert f'data-dataset="{found.name}"' in page.text
        for file in found.files:
            assert f'href="/public/data/files/{file.name}"' in page.text and file.sha256 in page.text
    permits = next(found for found in manifest.datasets if found.name == "permits")
    assert permits.rows >= 1
    for name, media in (
        ("permits.csv", "text/csv; charset=utf-8"),
        ("permits.parquet", "application/vnd.apache.parquet"),
        ("dictionary.json", "application/json"),
        ("manifest.json", "application/json"),
    ):
        response = await client.get(f"/public/data/files/{name}")
        assert response.status_code == 200 and response.headers["content-type"] == media, name
        assert response.content == (manifest.folder / name).read_bytes()
    csv_file = await client.get("/public/data/files/permits.csv")
    assert "attachment" in csv_file.headers["content-disposition"]
    entry = next(file for file in permits.files if file.name == "permits.csv")
    assert csv_file.headers["etag"] == f'"{entry.sha256}"'  # the manifest's hash: a poller asks cheaply
    again = await client.get("/public/data/files/permits.csv", headers={"If-None-Match": f'"{entry.sha256}"'})
    assert again.status_code == 304 and not again.content
    head = await client.head("/public/data/files/permits.parquet")
    assert (
        head.status_code == 200
        and int(head.headers["content-length"]) == (manifest.folder / "permits.parquet").stat().st_size
    )
    for bad in ("../manifest.json", "secret.csv", "%2e%2e%2fcurrent", "current", ".lock"):
        assert (await client.get(f"/public/data/files/{bad}")).status_code == 404, bad
    dictionary = await client.get("/public/data/dictionary")
    assert dictionary.status_code == 200 and 'data-column="credit_code"' in dictionary.text
    assert "统一社会信用代码" in dictionary.text


def test_the_cli_writes_the_bulk_download(cli, tmp_path):  # type: ignore[no-untyped-def]
    result = cli("bulk-export", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    manifest = bulk.current_manifest(tmp_path / "out")
    assert manifest is not None and "permits: 0 rows" in result.output
    assert {found.name for found in manifest.datasets} == {found.name for found in DATASETS}


async def test_the_worker_writes_the_bulk_download_before_its_rounds_unless_told_not_to(
    db, settings, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    from server.cli import worker_daily

    monkeypatch.setattr(settings, "bulk_export_path", tmp_path)
    quiet = worker_daily(settings, reminders=False, bulk_export=False)
    assert await quiet(db, None) == today() and bulk.current_manifest(tmp_path) is None
    daily = worker_daily(settings, reminders=False, bulk_export=True)
    day = await daily(db, None)
    made = bulk.current_manifest(tmp_path)
    assert made is not None and made.china_date == day
    await daily(db, day)  # the next round, the same day: the generation in force stays
    assert bulk.current_manifest(tmp_path).generation == made.generation  # type: ignore[union-attr]
