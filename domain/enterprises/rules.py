"""Pure rules about enterprises (排污单位): credit codes, industry codes, input validation."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from enum import StrEnum

from domain import regions
from domain.errors import N_, FieldError

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_LENGTH = 18
_CREDIT_VALUES = {symbol: value for value, symbol in enumerate(CREDIT_CODE_ALPHABET)}
_CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]


class ManagementCategory(StrEnum):
    KEY = "key"  # 重点管理
    SIMPLIFIED = "simplified"  # 简化管理
    REGISTRATION = "registration"  # 排污登记


CATEGORY_LABELS = {
    ManagementCategory.KEY: ("重点管理", "Key management"),
    ManagementCategory.SIMPLIFIED: ("简化管理", "Simplified management"),
    ManagementCategory.REGISTRATION: ("排污登记", "Registration only"),
}


def category_label(category: str, locale: str = "zh_Hans") -> str:
    labels = CATEGORY_LABELS[ManagementCategory(category)]
    return labels[1] if locale == "en" else labels[0]


# Classes of GB/T 4754-2017 that the platform names; any four-digit class is accepted.
INDUSTRY_NAMES: dict[str, tuple[str, str]] = {
    "1713": ("棉印染精加工", "Cotton printing and dyeing"),
    "1910": ("皮革鞣制加工", "Leather tanning"),
    "2211": ("木竹浆制造", "Wood and bamboo pulp"),
    "2221": ("机制纸及纸板制造", "Machine-made paper and paperboard"),
    "2319": ("包装装潢及其他印刷", "Packaging and other printing"),
    "2511": ("原油加工及石油制品制造", "Crude oil processing"),
    "2521": ("炼焦", "Coking"),
    "2614": ("有机化学原料制造", "Organic chemical raw materials"),
    "2619": ("其他基础化学原料制造", "Other basic chemical raw materials"),
    "2621": ("氮肥制造", "Nitrogen fertiliser"),
    "2651": ("初级形态塑料及合成树脂制造", "Primary plastics and synthetic resins"),
    "2710": ("化学药品原料药制造", "Chemical active pharmaceutical ingredients"),
    "2720": ("化学药品制剂制造", "Chemical pharmaceutical preparations"),
    "3011": ("水泥制造", "Cement"),
    "3041": ("平板玻璃制造", "Flat glass"),
    "3110": ("炼铁", "Iron making"),
    "3120": ("炼钢", "Steel making"),
    "3211": ("铜冶炼", "Copper smelting"),
    "3212": ("铅锌冶炼", "Lead and zinc smelting"),
    "3216": ("铝冶炼", "Aluminium smelting"),
    "3360": ("金属表面处理及热处理加工", "Metal surface treatment (electroplating)"),
    "4411": ("火力发电", "Thermal power"),
    "4412": ("热电联产", "Combined heat and power"),
    "4620": ("污水处理及其再生利用", "Sewage treatment and reuse"),
    "7820": ("环境卫生管理（生活垃圾焚烧）", "Sanitation (domestic waste incineration)"),
}

INDUSTRY_CODE = re.compile(r"^\d{4}$")
PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")


def industry_name(code: str, locale: str = "zh_Hans") -> str:
    names = INDUSTRY_NAMES.get(code)
    if names is None:
        return code
    return names[1] if locale == "en" else names[0]


def credit_code_check_character(first_seventeen: str) -> str:
    total = sum(_CREDIT_VALUES[c] * w for c, w in zip(first_seventeen, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def credit_code_error(code: str, field: str = "credit_code") -> FieldError | None:
    """Why a unified social credit code (GB 32100-2015) is invalid, or None when it is valid."""
    if len(code) != CREDIT_CODE_LENGTH:
        return FieldError(
            field,
            "credit_code_length",
            N_("A unified social credit code has 18 characters; this one has {length}."),
            {"length": len(code)},
        )
    for position, symbol in enumerate(code, start=1):
        if symbol not in _CREDIT_VALUES:
            return FieldError(
                field,
                "credit_code_character",
                N_(
                    "Character '{symbol}' at position {position} is not allowed in a unified "
                    "social credit code (I, O, S, V and Z are never used)."
                ),
                {"symbol": symbol, "position": position},
            )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return FieldError(
            field,
            "credit_code_check",
            N_(
                "The check character (18th) should be '{expected}' but is '{actual}': "
                "the code was probably mistyped."
            ),
            {"expected": expected, "actual": code[17]},
        )
    return None


def make_credit_code(first_seventeen: str) -> str:
    """Complete 17 characters with their check character (demo data and tests)."""
    return first_seventeen + credit_code_check_character(first_seventeen)


@dataclass
class EnterpriseInput:
    """What a regulator types to register or edit an enterprise (raw strings)."""

    name: str = ""
    credit_code: str = ""
    registered_address: str = ""
    operating_address: str = ""
    legal_representative: str = ""
    technical_lead: str = ""
    contact_phone: str = ""
    industry_code: str = ""
    region_code: str = ""
    management_category: str = ""

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


MAX_LENGTHS = {
    "name": 200,
    "registered_address": 300,
    "operating_address": 300,
    "legal_representative": 50,
    "technical_lead": 50,
    "contact_phone": 20,
}
REQUIRED = (
    "name",
    "credit_code",
    "registered_address",
    "legal_representative",
    "industry_code",
    "region_code",
    "management_category",
)


def text_field_errors(
    values: dict[str, str], required: tuple[str, ...], max_lengths: dict[str, int], prefix: str = ""
) -> list[FieldError]:
    """The required fields left empty, then the fields over their length (field named ``prefix`` + name)."""
    errors = [
        FieldError(prefix + name, "required", N_("This field is required."))
        for name in required
        if not values.get(name)
    ]
    for name, limit in max_lengths.items():
        length = len(values.get(name) or "")
        if length > limit:
            errors.append(
                FieldError(
                    prefix + name,
                    "too_long",
                    N_("At most {limit} characters (got {length})."),
                    {"limit": limit, "length": length},
                )
            )
    return errors


def clean_enterprise_input(data: EnterpriseInput) -> tuple[EnterpriseInput, list[FieldError]]:
    """Trim and check every field; returns the cleaned input and every problem found."""
    cleaned = EnterpriseInput(**{k: (v or "").strip() for k, v in data.as_dict().items()})
    cleaned.credit_code = normalize_credit_code(cleaned.credit_code)
    if not cleaned.operating_address:
        cleaned.operating_address = cleaned.registered_address
    errors = text_field_errors(cleaned.as_dict(), REQUIRED, MAX_LENGTHS)
    missing = {e.field for e in errors if e.code == "required"}
    if "credit_code" not in missing:
        problem = credit_code_error(cleaned.credit_code)
        if problem:
            errors.append(problem)
    if "industry_code" not in missing and not INDUSTRY_CODE.match(cleaned.industry_code):
        errors.append(
            FieldError(
                "industry_code",
                "industry_code_format",
                N_("An industry code (GB/T 4754) is four digits, e.g. 4411."),
            )
        )
    if "region_code" not in missing and not regions.is_valid_region_code(cleaned.region_code):
        errors.append(
            FieldError(
                "region_code",
                "region_code_format",
                N_("A region code (GB/T 2260) is six digits, e.g. 310107."),
            )
        )
    if "management_category" not in missing and cleaned.management_category not in set(ManagementCategory):
        errors.append(
            FieldError(
                "management_category",
                "choice",
                N_("Choose key management, simplified management or registration."),
            )
        )
    if cleaned.contact_phone and not PHONE.match(cleaned.contact_phone):
        errors.append(
            FieldError(
                "contact_phone",
                "phone_format",
                N_("A phone number has 5 to 20 digits, spaces, +, - or brackets."),
            )
        )
    return cleaned, errors


# ---------------------------------------------------------------------------
# Production sites (生产经营场所)
# ---------------------------------------------------------------------------

MAX_SITE_SEQUENCE = 999  # three digits in permit and registration numbers
# Coordinates of a site in China (WGS 84), roughly the country's extent: a typo, not a place, outside it.
LONGITUDE_RANGE = (73.0, 136.0)
LATITUDE_RANGE = (3.0, 54.0)


@dataclass
class SiteInput:
    """A production site: texts as typed, coordinates read as numbers (optional, both or neither)."""

    name: str = ""
    address: str = ""
    region_code: str = ""
    industry_code: str = ""
    longitude: float | None = None
    latitude: float | None = None

    def texts(self) -> dict[str, str]:
        return {name: (getattr(self, name) or "").strip() for name in SITE_TEXTS}

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SITE_TEXTS = ("name", "address", "region_code", "industry_code")


@dataclass(frozen=True)
class CleanSite:
    name: str
    address: str
    region_code: str
    industry_code: str
    longitude: float | None
    latitude: float | None


def coordinate_example(name: str) -> float:
    """A coordinate to show as an example of a number (what a face says of one it could not read)."""
    return (LONGITUDE_RANGE if name.endswith("longitude") else LATITUDE_RANGE)[0] + 48


def _coordinate(
    value: float | None, name: str, bounds: tuple[float, float], errors: list[FieldError]
) -> float | None:
    if value is None:
        return None
    if not bounds[0] <= value <= bounds[1] or value != value:
        errors.append(
            FieldError(
                name,
                "coordinate_range",
                N_("A coordinate in China lies between {low} and {high}."),
                {"low": bounds[0], "high": bounds[1]},
            )
        )
        return None
    return round(value, 6)


def clean_site_input(data: SiteInput, *, prefix: str = "") -> tuple[CleanSite | None, list[FieldError]]:
    """Trim and check a site; errors name the field (``prefix`` + name), nothing is guessed."""
    values = data.texts()
    errors = text_field_errors(
        values, ("name", "address", "region_code", "industry_code"), {"name": 200, "address": 300}, prefix
    )
    if values["industry_code"] and not INDUSTRY_CODE.match(values["industry_code"]):
        errors.append(
            FieldError(
                prefix + "industry_code",
                "industry_code_format",
                N_("An industry code (GB/T 4754) is four digits, e.g. 4411."),
            )
        )
    if values["region_code"] and not regions.is_valid_region_code(values["region_code"]):
        errors.append(
            FieldError(
                prefix + "region_code",
                "region_code_format",
                N_("A region code (GB/T 2260) is six digits, e.g. 310107."),
            )
        )
    longitude = _coordinate(data.longitude, prefix + "longitude", LONGITUDE_RANGE, errors)
    latitude = _coordinate(data.latitude, prefix + "latitude", LATITUDE_RANGE, errors)
    for name, given, other in (
        ("longitude", data.longitude, data.latitude),
        ("latitude", data.latitude, data.longitude),
    ):
        if other is not None and given is None:
            errors.append(
                FieldError(
                    prefix + name, "coordinate_pair", N_("Give both longitude and latitude, or neither.")
                )
            )
    if errors:
        return None, errors
    return (
        CleanSite(
            name=values["name"],
            address=values["address"],
            region_code=values["region_code"],
            industry_code=values["industry_code"],
            longitude=longitude,
            latitude=latitude,
        ),
        [],
    )


def site_sequence_error(raw: str, field: str = "site") -> tuple[int | None, FieldError | None]:
    """A site sequence as typed ("2", "002") to its number, or why it is not one."""
    value = (raw or "").strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_SITE_SEQUENCE:
        return None, FieldError(field, "site_sequence", N_("A site is numbered 001 to 999, e.g. 002."))
    return int(value), None
