"""The layout of files of permits issued on the national platform (JSON or XLSX), and their problems.

The format is documented field by field in ``web_templates/static/examples/README.md``;
the example files beside it import as they are.

- JSON: a list of permit objects, each in the shape ``service.imports.import_permits`` takes.
- XLSX: one sheet per table, joined by the permit number. The first row of each sheet
  names its columns in Chinese, in English, or both (``许可证编号 number``); sheet names
  may likewise be English or Chinese. Choices may be written as codes (``key``, ``air``)
  or as their Chinese labels (``重点管理``, ``废气``).

Every problem names where to fix it: ``limits!E12 (unit)`` for a workbook (sheet,
cell, column), ``rows[3].content.outlets[0].code`` for JSON (the 3rd permit of the list).
Errors found by the import use case (a wrong unit, an unknown enterprise) are mapped
back to the sheet cell the value came from. Reading: ``reading``; writing a workbook: ``writing``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from domain.errors import FieldError, ValidationFailed
from domain.permits.reference import LABELS_ZH, POLLUTANTS, Frequency, LedgerRecordKind

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS_PER_SHEET = 100_000
MAX_PROBLEMS = 500


# ---------------------------------------------------------------------------
# Problems and the error that carries them
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileProblem:
    """One thing to fix in the file, with where it is: sheet and cell, or position in the JSON list."""

    sheet: str  # "" for JSON and for the file as a whole
    row: int | None  # the sheet row (XLSX) or the permit's position in the list (JSON), 1-based
    cell: str  # "E12" (XLSX) or ""
    field: str  # the column ("unit 单位") or the JSON path ("content.outlets[0].code")
    code: str
    message: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    @property
    def location(self) -> str:
        if self.sheet:
            return f"{self.sheet}!{self.cell}" if self.cell else f"{self.sheet}!{self.row}"
        if self.row is not None:
            return f"rows[{self.row}].{self.field}" if self.field else f"rows[{self.row}]"
        return self.field or "file"


class PermitFileRejected(ValidationFailed):
    """The file cannot be imported as it is; nothing was written. ``problems`` say where and why."""

    code = "file_rejected"

    def __init__(self, problems: list[FileProblem], *, total: int | None = None) -> None:
        super().__init__(
            [
                FieldError(
                    f"{p.location} ({p.field})" if p.sheet and p.field else p.location,
                    p.code,
                    p.message,
                    p.params,
                )
                for p in problems
            ]
        )
        self.problems = problems
        self.total = total if total is not None else len(problems)


def whole_file(code: str, message: str, **params: Any) -> PermitFileRejected:
    return PermitFileRejected([FileProblem("", None, "", "file", code, message, params)])


# ---------------------------------------------------------------------------
# The workbook layout
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    kind: str = "text"  # text | date | number | bool | choice | list
    required: bool = False
    choices: dict[str, str] | None = None  # Chinese label (or alias) → code

    @property
    def header(self) -> str:
        return f"{self.zh} {self.key}"


@dataclass(frozen=True)
class Sheet:
    key: str
    zh: str
    columns: tuple[Column, ...]
    required: bool = False

    def column(self, key: str) -> Column | None:
        for column in self.columns:
            if column.key == key:
                return column
        return None


def _labels(values: list[str], **extra: str) -> dict[str, str]:
    """Chinese label → code for some values of ``reference.LABELS_ZH``, plus aliases."""
    mapping = {LABELS_ZH[value]: value for value in values if value in LABELS_ZH}
    mapping.update(extra)
    return mapping


CATEGORY = {"重点管理": "key", "简化管理": "simplified", "重点": "key", "简化": "simplified"}
MEDIUM = {"废气": "air", "废水": "water", "大气": "air", "水": "water"}
OUTLET_KIND = {
    "主要排放口": "main",
    "一般排放口": "general",
    "特殊排放口": "special",
    "主要": "main",
    "一般": "general",
    "特殊": "special",
}
FREQUENCY = _labels(
    [f.value for f in Frequency], 连续="continuous", 自动="continuous", 每天="daily", 每季="quarterly"
)
METHOD = {"自动监测": "automatic", "手工监测": "manual", "自动": "automatic", "手工": "manual"}
LEDGER_KIND = _labels([k.value for k in LedgerRecordKind])
REPORT_KIND = {
    "月报": "monthly",
    "季报": "quarterly",
    "半年报": "semiannual",
    "年报": "annual",
    "月度执行报告": "monthly",
    "季度执行报告": "quarterly",
    "半年执行报告": "semiannual",
    "年度执行报告": "annual",
}
SECTION = {"生产设施": "production_facilities", "产品": "products", "污染防治设施": "control_facilities"}
UNIT = {"mg/m³": "mg/m3", "mg/m^3": "mg/m3", "mg/nm3": "mg/m3", "mg/l": "mg/L", "无量纲": "dimensionless"}
POLLUTANT_BY_NAME = {p.name_zh: p.code for p in POLLUTANTS.values()}

PERMIT_NUMBER = Column("permit_number", "许可证编号", required=True)
POINT = Column("point", "排放口编号", required=True)
POLLUTANT = Column("pollutant", "污染物", required=True)
CONCENTRATION = Column("concentration_limit", "许可排放浓度", "number", required=True)
UNIT_COLUMN = Column("unit", "单位", required=True)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "permits",
        "许可证",
        (
            Column("number", "许可证编号", required=True),
            Column("enterprise_credit_code", "统一社会信用代码", required=True),
            Column("category", "管理类别", "choice", required=True, choices=CATEGORY),
            Column("issuing_authority", "发证机关", required=True),
            Column("decision_date", "许可决定日期", "date", required=True),
            Column("valid_until", "有效期缩短至", "date"),
            Column("validity_cut_reason", "缩短理由"),
            Column("renewed", "是否延续", "bool"),
            Column("report_kinds", "执行报告", "list", required=True, choices=REPORT_KIND),
            Column("commitments", "承诺"),
            Column("secret_sections", "商业秘密部分", "list", choices=SECTION),
        ),
        required=True,
    ),
    Sheet(
        "outlets",
        "排放口",
        (
            PERMIT_NUMBER,
            Column("code", "排放口编号", required=True),
            Column("name", "排放口名称", required=True),
            Column("medium", "类别", "choice", required=True, choices=MEDIUM),
            Column("kind", "排放口类型", "choice", required=True, choices=OUTLET_KIND),
            Column("location", "位置"),
            Column("longitude", "经度", "number"),
            Column("latitude", "纬度", "number"),
            Column("direction", "排放去向"),
            Column("height_m", "排气筒高度m", "number"),
            Column("online_monitoring", "自动监测", "bool"),
        ),
        required=True,
    ),
    Sheet(
        "limits",
        "许可限值",
        (
            PERMIT_NUMBER,
            POINT,
            POLLUTANT,
            CONCENTRATION,
            UNIT_COLUMN,
            Column("annual_quantity_limit", "许可年排放量t/a", "number"),
            Column("standard", "执行标准"),
        ),
        required=True,
    ),
    Sheet(
        "fugitive_sources",
        "无组织排放源",
        (
            PERMIT_NUMBER,
            Column("code", "编号", required=True),
            Column("name", "名称", required=True),
            Column("location", "位置"),
        ),
    ),
    Sheet(
        "monitoring",
        "自行监测",
        (
            PERMIT_NUMBER,
            Column("point", "监测点位", required=True),
            POLLUTANT,
            Column("frequency", "监测频次", "choice", required=True, choices=FREQUENCY),
            Column("method", "监测方式", "choice", required=True, choices=METHOD),
        ),
    ),
    Sheet(
        "ledger_records",
        "台账记录",
        (
            PERMIT_NUMBER,
            Column("kind", "记录内容", "choice", required=True, choices=LEDGER_KIND),
            Column("frequency", "记录频次", "choice", required=True, choices=FREQUENCY),
        ),
    ),
    Sheet(
        "special_period_limits",
        "特殊时段限值",
        (
            PERMIT_NUMBER,
            Column("period", "时段", required=True),
            POINT,
            POLLUTANT,
            CONCENTRATION,
            UNIT_COLUMN,
        ),
    ),
    Sheet(
        "facilities",
        "设施与产品",
        (
            PERMIT_NUMBER,
            Column("section", "类型", "choice", required=True, choices=SECTION),
            Column("name", "名称", required=True),
            Column("capacity", "规模"),
            Column("process", "工艺"),
            Column("remark", "备注"),
        ),
    ),
)
SHEET_BY_KEY = {sheet.key: sheet for sheet in SHEETS}
FACILITY_KEYS = ("name", "capacity", "process", "remark")
YES = {"true", "yes", "y", "1", "是", "有", "√", "x"}
NO = {"false", "no", "n", "0", "否", "无", ""}
DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def name_parts(text: str) -> set[str]:
    """The names a header or sheet title gives: '许可证编号 number' → {'许可证编号', 'number', …}."""
    text = text.strip()
    parts = {p for p in re.split(r"[\s/|()（）:：,，]+", text) if p}
    return {text.lower(), *(p.lower() for p in parts)}
