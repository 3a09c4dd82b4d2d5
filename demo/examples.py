"""The example import files of web_templates/static/examples: the permits of the demo city's two Putuo
units awaiting import, as the national platform would export them (JSON, and the XLSX layout)."""

from __future__ import annotations

import json
from typing import Any

from demo.city import ENTERPRISES, Story, demo_credit_code, issuing_authority, permit_number
from demo.permit_content import permit_content_for
from domain.permits.files.writing import records_to_xlsx


def example_records() -> list[dict[str, Any]]:
    """The permits of web_templates/static/examples: the two Putuo units awaiting import.

    In the demo city the Putuo permitting section (pt-permitting) can import those files as they are.
    """
    records = []
    for index, item in enumerate(ENTERPRISES):
        if item.story != Story.AWAITING_IMPORT:
            continue
        code = demo_credit_code(item.region_code, index)
        record: dict[str, Any] = {
            "number": permit_number(code),
            "enterprise_credit_code": code,
            "category": item.category,
            "issuing_authority": issuing_authority(item.region_code),
            "decision_date": "2025-09-15",
            "renewed": False,
            "content": _without_nulls(permit_content_for(item, index)),
        }
        if item.category == "simplified":
            # The validity may be cut short (M48 §21): this works is to move out of the city by then.
            record.update(
                decision_date="2024-11-20",
                valid_until="2027-06-30",
                validity_cut_reason="列入区域产业结构调整计划，须于2027年6月30日前完成关停搬迁",
            )
        records.append(record)
    return records


EXAMPLE_NOTES = (
    "排污许可证导入示例 / Example file for importing permits issued on the national platform",
    "每张工作表是一张表，以许可证编号关联；第一行是列名（中文、英文或两者皆可）。",
    "One sheet per table, joined by the permit number; row 1 names the columns (Chinese, English or both).",
    "格式逐项说明见 / The format, field by field: /static/examples/README.md",
    "选项可填代码或中文（如 key / 重点管理，air / 废气）；日期填 YYYY-MM-DD 或 Excel 日期。",
    "Choices: codes or Chinese labels (key / 重点管理, air / 废气); dates: YYYY-MM-DD or Excel dates.",
)


def example_files() -> dict[str, bytes]:
    """The example import files of web_templates/static/examples, as they are generated."""
    records = example_records()
    return {
        "permits-import-example.json": (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode(),
        "permits-import-example.xlsx": records_to_xlsx(records, notes=list(EXAMPLE_NOTES)),
    }


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value
