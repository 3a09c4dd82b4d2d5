"""The data dictionary of the bulk download: each dataset, its columns, their types, units and codes.

Column names are machine-friendly English (snake_case, ASCII): a program reading the files keys on them,
and they do not change with the reader's language. What a column means is said here in Chinese and
English (the English texts are message ids, their Chinese in the catalogue), and both go into
``dictionary.json`` and the dictionary page. Codes (a status, a category) are written as codes in the files,
their names in the dictionary; region, industry and pollutant names are written beside their codes, in
Chinese (the names of GB/T 2260, GB/T 4754 and the pollutant list).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.agencies.labels import KIND_LABELS as CREDIT_EVENT_LABELS
from domain.agencies.labels import SCOPE_LABELS
from domain.errors import N_
from domain.i18n import translations_for
from domain.permits.reference import Medium, OutletKind, label
from domain.supervision.cases.rules import CLASSIFICATION_LABELS, MEASURES

# The column types, and how each is written: CSV text and the Parquet logical type.
TYPES: dict[str, tuple[str, str]] = {
    "string": (N_("text"), "string (UTF-8)"),
    "integer": (N_("whole number"), "int64"),
    "decimal": (N_("number"), "double"),
    "boolean": (N_("true or false (true/false)"), "bool"),
    "date": (N_("date (YYYY-MM-DD, China time)"), "date32"),
    "timestamp": (N_("time (ISO 8601, UTC, to the microsecond)"), "timestamp[us, UTC]"),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a key of TYPES
    description: str  # a message id
    unit: str = ""
    values: tuple[tuple[str, str], ...] = ()  # (code, message id of its meaning)
    reference: tuple[str, ...] = ()  # codes named by the permit's reference lists (domain.permits.reference)


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    page: str  # the public page that lists the same rows
    columns: tuple[Column, ...]


PERMIT_STATUSES = (
    ("issued", N_("In force")),
    ("registered", N_("Registration in force")),
    ("expired", N_("Expired")),
    ("revoked", N_("Revoked by the authority")),
    ("cancelled", N_("Cancelled")),
)
CATEGORIES = (
    ("key", N_("Key management")),
    ("simplified", N_("Simplified management")),
    ("registration", N_("Registration")),
)
KINDS = (("permit", N_("Permit")), ("registration", N_("Registration")))

NUMBER = Column("permit_number", "string", N_("Permit number"))
UNIT = Column("unit_name", "string", N_("Unit name"))
CREDIT = Column("credit_code", "string", N_("Unified social credit code"))
REGION = Column("region_code", "string", N_("Region code (GB/T 2260)"))
REGION_NAME = Column("region_name", "string", N_("Region"))
INDUSTRY = Column("industry_code", "string", N_("Industry code (GB/T 4754)"))
INDUSTRY_NAME = Column("industry_name", "string", N_("Industry"))
CATEGORY = Column("category", "string", N_("Management category"), values=CATEGORIES)
STATUS = Column("status", "string", N_("Status as shown on the day of the file"), values=PERMIT_STATUSES)
AUTHORITY = Column("issuing_authority", "string", N_("Issuing authority"))
PAGE = Column("public_page", "string", N_("Address of the public page (after the site's address)"))

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "permits",
        N_("Permits and registrations"),
        N_(
            "The public register: every issued permit and every registration, as the public search lists"
            " them."
        ),
        "/public/permits",
        (
            Column("kind", "string", N_("Permit or registration"), values=KINDS),
            Column("number", "string", N_("Permit or registration number")),
            UNIT,
            CREDIT,
            REGION,
            REGION_NAME,
            INDUSTRY,
            INDUSTRY_NAME,
            CATEGORY,
            STATUS,
            AUTHORITY,
            Column("valid_from", "date", N_("First valid day")),
            Column("valid_until", "date", N_("Last valid day")),
            PAGE,
        ),
    ),
    Dataset(
        "outlets",
        N_("Outlets"),
        N_("The outlets of the permits in force or last in force, as their public pages show them."),
        "/public/permits",
        (
            NUMBER,
            UNIT,
            Column("permit_status", "string", N_("Status of the permit"), values=PERMIT_STATUSES),
            Column("outlet_code", "string", N_("Outlet code")),
            Column("outlet_name", "string", N_("Outlet name")),
            Column("medium", "string", N_("Medium"), reference=tuple(Medium)),
            Column("outlet_kind", "string", N_("Outlet kind"), reference=tuple(OutletKind)),
            Column("location", "string", N_("Location")),
            Column("direction", "string", N_("Discharge direction")),
            Column("longitude", "decimal", N_("Longitude"), unit="°"),
            Column("latitude", "decimal", N_("Latitude"), unit="°"),
            Column("height_m", "decimal", N_("Height"), unit="m"),
            Column("online_monitoring", "boolean", N_("Automatic (online) monitoring equipment installed")),
            PAGE,
        ),
    ),
    Dataset(
        "outlet_limits",
        N_("Permitted concentrations and quantities"),
        N_("Each outlet's permitted concentration and annual quantity of each pollutant."),
        "/public/permits",
        (
            NUMBER,
            Column("outlet_code", "string", N_("Outlet code")),
            Column("pollutant_code", "string", N_("Pollutant code")),
            Column("pollutant_name", "string", N_("Pollutant")),
            Column("concentration_limit", "decimal", N_("Permitted concentration"), unit=N_("see unit")),
            Column("unit", "string", N_("Unit of the concentration")),
            Column("annual_quantity_limit", "decimal", N_("Permitted annual quantity (t/a)"), unit="t/a"),
            Column("standard", "string", N_("Emission standard")),
        ),
    ),
    Dataset(
        "annual_reports",
        N_("Annual execution reports"),
        N_(
            "Every submission of the filed annual reports (M48 §37): submission times and hashes; the content"
            " of the latest submission, without the sections the unit marked as commercial secret."
        ),
        "/public/permits",
        (
            NUMBER,
            UNIT,
            Column("period", "string", N_("Year reported")),
            Column("due_date", "date", N_("Due date")),
            Column("on_time", "boolean", N_("First submission on time")),
            Column("version", "integer", N_("Version of the submission (1: the first)")),
            Column("received_at", "timestamp", N_("Received by the server")),
            Column("receipt_number", "string", N_("Receipt number")),
            Column("content_hash", "string", N_("SHA-256 of the submission (hash chain)")),
            Column("is_latest", "boolean", N_("The latest submission")),
            Column(
                "hidden_sections", "string", N_("Sections left out as commercial secret (separated by ;)")
            ),
            Column(
                "content_json", "string", N_("Content of the latest submission (JSON); empty on earlier ones")
            ),
        ),
    ),
    Dataset(
        "expired",
        N_("Permits expired and not renewed"),
        N_("The monthly lists of permits whose validity ended and that were not renewed."),
        "/public/expired",
        (
            Column("month", "string", N_("Month of the list (YYYY-MM)")),
            NUMBER,
            UNIT,
            CREDIT,
            REGION,
            REGION_NAME,
            INDUSTRY,
            INDUSTRY_NAME,
            CATEGORY,
            Column("valid_until", "date", N_("Last valid day")),
            STATUS,
            AUTHORITY,
        ),
    ),
    Dataset(
        "agencies",
        N_("Agency credit"),
        N_("Third-party service agencies the public may look up, with their credit score and level."),
        "/public/agencies",
        (
            CREDIT,
            Column("name", "string", N_("Agency")),
            REGION,
            REGION_NAME,
            Column(
                "status",
                "string",
                N_("Status"),
                values=(("approved", N_("Approved")), ("suspended", N_("Suspended"))),
            ),
            Column(
                "service_types",
                "string",
                N_("Services offered (codes, separated by ;)"),
                values=tuple(SCOPE_LABELS.items()),
            ),
            Column("score", "decimal", N_("Credit score"), unit=N_("points")),
            Column(
                "level",
                "string",
                N_("Credit level (A best, D worst; the thresholds are on each credit page)"),
            ),
            PAGE,
        ),
    ),
    Dataset(
        "agency_credit_events",
        N_("Serious problems disclosed"),
        N_("The credit events of agencies disclosed on their credit pages (AP action 40)."),
        "/public/agencies",
        (
            Column("agency_credit_code", "string", N_("Unified social credit code")),
            Column("agency_name", "string", N_("Agency")),
            Column("occurred_on", "date", N_("Day")),
            Column("kind", "string", N_("Event"), values=tuple(CREDIT_EVENT_LABELS.items())),
            Column("points", "decimal", N_("Points"), unit=N_("points")),
            Column("note", "string", N_("Details")),
        ),
    ),
    Dataset(
        "penalties",
        N_("Administrative penalties"),
        N_(
            "Closed enforcement cases with a penalty (M48 §39), as the permits' and outlets' pages show them."
        ),
        "/public/permits",
        (
            Column("case_number", "string", N_("Decision number")),
            UNIT,
            CREDIT,
            NUMBER,
            Column("outlet_code", "string", N_("Outlet code")),
            Column(
                "classification",
                "string",
                N_("Classification"),
                values=tuple(CLASSIFICATION_LABELS.items()),
            ),
            Column("legal_basis", "string", N_("Legal basis")),
            Column("decided_on", "date", N_("Day of the decision")),
            Column("closed_on", "date", N_("Day the case closed")),
            Column("penalty_yuan", "decimal", N_("Fine"), unit=N_("yuan")),
            Column(
                "measures", "string", N_("Measures (codes, separated by ;)"), values=tuple(MEASURES.items())
            ),
        ),
    ),
)

DATASET_NAMES = tuple(dataset.name for dataset in DATASETS)


def dataset(name: str) -> Dataset:
    return next(found for found in DATASETS if found.name == name)


def _text(message: str) -> dict[str, str]:
    if not message:
        return {"zh": "", "en": ""}
    return {"zh": translations_for("zh_Hans").gettext(message), "en": message}


def code_values(column: Column) -> list[dict[str, str]]:
    """The codes a column holds, each with its Chinese and English name."""
    named = [{"code": code, **_text(meaning)} for code, meaning in column.values]
    return named + [{"code": code, "zh": label(code), "en": label(code, "en")} for code in column.reference]


def dictionary_document() -> dict[str, Any]:
    """``dictionary.json``: every dataset and column with its Chinese and English description."""
    return {
        "format": "permitwatch-bulk-dictionary/1",
        "conventions": {
            "csv": "UTF-8 with a byte-order mark, comma-separated, CRLF line ends, a header row of column"
            " names;"
            " an empty cell is a missing value; text beginning with = + - @ is written with a leading"
            " apostrophe (') so that spreadsheets do not run it as a formula; the Parquet file holds it as"
            " is.",
            "parquet": "Apache Parquet, one row group per file, the column types below.",
            "dates": "Dates are China time (UTC+8); times are UTC, ISO 8601.",
        },
        "types": {
            name: {"csv": _text(csv)["en"], "parquet": parquet} for name, (csv, parquet) in TYPES.items()
        },
        "datasets": [
            {
                "name": found.name,
                "title": _text(found.title),
                "description": _text(found.description),
                "public_page": found.page,
                "columns": [
                    {
                        "name": column.name,
                        "type": column.type,
                        "parquet_type": TYPES[column.type][1],
                        "unit": _text(column.unit)["zh"] if column.unit else "",
                        "description": _text(column.description),
                        "values": code_values(column),
                    }
                    for column in found.columns
                ],
            }
            for found in DATASETS
        ],
    }
