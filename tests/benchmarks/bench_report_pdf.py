"""What a PDF copy of record of a report submission costs to render (issue 17), in-process, without a
database: the same template, partials, stylesheet and WeasyPrint call as ``GET /receipts/{number}.pdf``,
for a typical quarterly report, a typical annual report, and the two largest documents the PDF bounds let
through (``domain.reports.queries.record``: every row budget used with short texts; the text budget used
by long causes). Prints the wall and the CPU time of each (the CPU time is what a render costs on an idle
core), its pages and size: the median of BENCH_RENDERS (default 3).

Run: .venv/bin/python -m tests.benchmarks.bench_report_pdf
"""

from __future__ import annotations

import io
import os
import statistics
import time
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-" + "x" * 40)

from pypdf import PdfReader  # noqa: E402
from starlette.requests import Request  # noqa: E402

from domain.reports.models import ExecutionReport, ReportSubmission  # noqa: E402
from domain.reports.queries import record  # noqa: E402
from portal import reports as report_pages  # noqa: E402
from portal.pdf import html_to_pdf, render_html  # noqa: E402
from portal.templating import STATIC_DIR, make_templates  # noqa: E402

RENDERS = int(os.environ.get("BENCH_RENDERS", "3"))
POLLUTANTS = ("SO2", "NOX", "PM", "COD", "NH3N", "HG")


def emissions(rows: int) -> list[dict[str, Any]]:
    return [
        {
            "outlet": f"DA{1 + i // len(POLLUTANTS):03d}",
            "pollutant": POLLUTANTS[i % len(POLLUTANTS)],
            "method": "automatic",
            "concentration_avg": 12.5,
            "concentration_max": 18.75,
            "unit": "mg/m3",
            "quantity_t": 1.2,
            "compliant": True,
        }
        for i in range(rows)
    ]


def exceedances(rows: int, cause: str) -> list[dict[str, Any]]:
    return [
        {
            "outlet": "DA001",
            "pollutant": "SO2",
            "started_at": "2026-08-01T03:00",
            "ended_at": "2026-08-01T05:00",
            "max_value": 48.0,
            "limit_value": 35.0,
            "cause": cause,
            "measures": "更换循环泵，加强巡检。",
        }
        for _ in range(rows)
    ]


STATEMENT = "本单位承诺本报告内容真实、准确、完整，并承担相应法律责任。"
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "typical quarterly (9 emission rows)": (
        "quarterly",
        {
            "emissions": emissions(9),
            "exceedances": exceedances(1, "脱硫塔循环泵故障。"),
            "statement": STATEMENT,
        },
    ),
    "typical annual (36 emission rows, 8 facilities)": (
        "annual",
        {
            "emissions": emissions(36),
            "exceedances": exceedances(2, "脱硫塔循环泵故障。"),
            "production": {"operating_days": 330, "main_products": "电力、热力", "output": "4.1 亿千瓦时"},
            "control_facilities": [
                {"name": f"湿法脱硫 {i}", "operating_hours": 7900, "abnormal_hours": 3, "notes": "正常"}
                for i in range(8)
            ],
            "self_monitoring": {"planned": 8760, "performed": 8700, "notes": "自动监测数据完整。"},
            "management_system": {"responsible_person": "李娜", "training_sessions": 4},
            "other_requirements": "无。",
            "statement": STATEMENT,
        },
    ),
    f"at the row bound ({record.PDF_MAX_ROWS} rows, short texts)": (
        "quarterly",
        {"emissions": emissions(2000), "exceedances": exceedances(2000, "故障。"), "statement": STATEMENT},
    ),
    f"at the text bound ({record.PDF_MAX_CHARS:,} characters)": (
        "quarterly",
        {
            "emissions": emissions(9),
            "exceedances": exceedances(2000, "脱硫塔循环泵故障，" * 600),
            "statement": STATEMENT * 80,
        },
    ),
}


def copy_of(kind: str, content: dict[str, Any]) -> record.CopyOfRecord:
    received = datetime(2026, 10, 9, 2, 30, tzinfo=UTC)
    submission = ReportSubmission(
        id=1,
        report_id=1,
        version=2,
        received_at=received,
        submitted_by="lvyuan-clerk",
        on_behalf_of="agency:91310107MA1G000001",
        content=content,
        content_hash="ab" * 32,
        previous_hash="cd" * 32,
        receipt_number="R20261009-0000001-02",
        idempotency_key="k",
    )
    report = ExecutionReport(
        id=1,
        permit_id=1,
        enterprise_id=1,
        region_code="310107",
        industry_code="4411",
        kind=kind,
        period="2026-Q3" if kind == "quarterly" else "2025",
        period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30),
        due_date=date(2026, 10, 15),
        on_time=True,
    )
    printed, cut_rows, cut_texts = record.bounded_content(content)
    return record.CopyOfRecord(
        submission=submission,
        report=report,
        permit=SimpleNamespace(number="91310107MA0000001C001P"),  # type: ignore[arg-type]
        enterprise=SimpleNamespace(credit_code="91310107MA0000001C"),  # type: ignore[arg-type]
        unit_name="上海申普热电有限公司",
        first_received_at=datetime(2026, 10, 8, 1, 0, tzinfo=UTC),
        filer=record.Filer("lvyuan-clerk", "李明", "上海绿源环境技术服务有限公司", "91310107MA1G000001"),
        findings=[],
        content=printed,
        cut_rows=cut_rows,
        cut_texts=cut_texts,
    )


def request() -> Request:
    app = SimpleNamespace(state=SimpleNamespace(templates=make_templates()))
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": [], "app": app}
    scope["state"] = {}
    return Request(scope)


def main() -> None:
    req = request()
    for name, (kind, content) in CASES.items():
        context = {
            **report_pages._helpers(req),
            "r": copy_of(kind, content),
            "pdf_max_rows": record.PDF_MAX_ROWS,
            "pdf_max_text": record.PDF_MAX_TEXT,
            "verify_url": "http://127.0.0.1:8000/reports/id/1/verify",
        }
        times, cpu, pdf = [], [], b""
        for _ in range(RENDERS):
            started, started_cpu = time.perf_counter(), time.process_time()
            pdf = html_to_pdf(
                render_html(req, "reports/record_pdf.html", context), STATIC_DIR / "reports-print.css"
            )
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        load = os.getloadavg()[0]
        print(
            f"{name}: {statistics.median(times):.2f} s wall, {statistics.median(cpu):.2f} s CPU,",
            f"{pages} pages, {len(pdf) / 1024:.0f} KB (load average {load:.1f})",
        )


if __name__ == "__main__":
    main()
