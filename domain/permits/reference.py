"""Reference data for permits: pollutants, units, frequencies (national coding where it exists)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.errors import N_


class Medium(StrEnum):
    AIR = "air"  # 废气, outlet codes DA…
    WATER = "water"  # 废水, outlet codes DW…


class OutletKind(StrEnum):
    MAIN = "main"  # 主要排放口
    GENERAL = "general"  # 一般排放口
    SPECIAL = "special"  # 特殊排放口


class Frequency(StrEnum):
    CONTINUOUS = "continuous"
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"


class MonitoringMethod(StrEnum):
    AUTOMATIC = "automatic"  # 自动监测
    MANUAL = "manual"  # 手工监测


class LedgerRecordKind(StrEnum):
    PRODUCTION_FACILITY = "production_facility"  # 生产设施运行管理信息
    CONTROL_FACILITY = "control_facility"  # 污染防治设施运行管理信息
    MONITORING = "monitoring"  # 监测记录信息
    ABNORMAL = "abnormal"  # 非正常工况
    OTHER = "other"  # 其他环境管理信息


class ReportKind(StrEnum):
    MONTHLY = "monthly"  # 月度执行报告
    QUARTERLY = "quarterly"  # 季度执行报告
    SEMIANNUAL = "semiannual"  # 半年执行报告 (the first half; the annual report covers the second)
    ANNUAL = "annual"  # 年度执行报告


# What each kind of execution report is called wherever one is named (pages, notices, exports): the
# names of HJ 944-2018, translated where shown. The one table of them.
REPORT_KIND_LABELS: dict[str, str] = {
    ReportKind.MONTHLY.value: N_("Monthly execution report"),
    ReportKind.QUARTERLY.value: N_("Quarterly execution report"),
    ReportKind.SEMIANNUAL.value: N_("Semi-annual execution report"),
    ReportKind.ANNUAL.value: N_("Annual execution report"),
}


# Units a permitted concentration may be given in, per medium.
CONCENTRATION_UNITS: dict[Medium, tuple[str, ...]] = {
    Medium.AIR: ("mg/m3",),
    Medium.WATER: ("mg/L", "dimensionless"),
}
UNIT_LABELS = {"mg/m3": "mg/m³", "mg/L": "mg/L", "dimensionless": "无量纲", "t/a": "t/a"}


@dataclass(frozen=True)
class Pollutant:
    code: str
    name_zh: str
    name_en: str
    media: tuple[Medium, ...]


POLLUTANTS: dict[str, Pollutant] = {
    p.code: p
    for p in (
        Pollutant("SO2", "二氧化硫", "Sulphur dioxide", (Medium.AIR,)),
        Pollutant("NOX", "氮氧化物", "Nitrogen oxides", (Medium.AIR,)),
        Pollutant("PM", "颗粒物", "Particulate matter", (Medium.AIR,)),
        Pollutant("HG", "汞及其化合物", "Mercury and its compounds", (Medium.AIR, Medium.WATER)),
        Pollutant("NH3", "氨", "Ammonia", (Medium.AIR,)),
        Pollutant("VOCS", "挥发性有机物", "Volatile organic compounds", (Medium.AIR,)),
        Pollutant("NMHC", "非甲烷总烃", "Non-methane hydrocarbons", (Medium.AIR,)),
        Pollutant("H2S", "硫化氢", "Hydrogen sulphide", (Medium.AIR,)),
        Pollutant("HCL", "氯化氢", "Hydrogen chloride", (Medium.AIR,)),
        Pollutant("CRM", "铬酸雾", "Chromic acid mist", (Medium.AIR,)),
        Pollutant("DIOX", "二噁英类", "Dioxins", (Medium.AIR,)),
        Pollutant("FL", "氟化物", "Fluorides", (Medium.AIR, Medium.WATER)),
        Pollutant("COD", "化学需氧量", "Chemical oxygen demand", (Medium.WATER,)),
        Pollutant("NH3N", "氨氮", "Ammonia nitrogen", (Medium.WATER,)),
        Pollutant("TN", "总氮", "Total nitrogen", (Medium.WATER,)),
        Pollutant("TP", "总磷", "Total phosphorus", (Medium.WATER,)),
        Pollutant("BOD5", "五日生化需氧量", "Five-day biochemical oxygen demand", (Medium.WATER,)),
        Pollutant("SS", "悬浮物", "Suspended solids", (Medium.WATER,)),
        Pollutant("PH", "pH值", "pH", (Medium.WATER,)),
        Pollutant("COLOR", "色度", "Colour", (Medium.WATER,)),
        Pollutant("AOX", "可吸附有机卤素", "Adsorbable organic halogens", (Medium.WATER,)),
        Pollutant("ANILINE", "苯胺类", "Anilines", (Medium.WATER,)),
        Pollutant("S2", "硫化物", "Sulphides", (Medium.WATER,)),
        Pollutant("CR6", "六价铬", "Hexavalent chromium", (Medium.WATER,)),
        Pollutant("TCR", "总铬", "Total chromium", (Medium.WATER,)),
        Pollutant("NI", "总镍", "Total nickel", (Medium.WATER,)),
        Pollutant("CU", "总铜", "Total copper", (Medium.WATER,)),
        Pollutant("ZN", "总锌", "Total zinc", (Medium.WATER,)),
        Pollutant("CN", "总氰化物", "Total cyanide", (Medium.WATER,)),
        Pollutant("OIL", "石油类", "Petroleum oils", (Medium.WATER,)),
        Pollutant("FCOLI", "粪大肠菌群数", "Faecal coliforms", (Medium.WATER,)),
        Pollutant("VOLPH", "挥发酚", "Volatile phenols", (Medium.WATER,)),
        Pollutant("PB", "铅及其化合物", "Lead and its compounds", (Medium.AIR, Medium.WATER)),
        Pollutant("CD", "镉及其化合物", "Cadmium and its compounds", (Medium.AIR, Medium.WATER)),
        Pollutant("AS", "砷及其化合物", "Arsenic and its compounds", (Medium.AIR, Medium.WATER)),
    )
}


def pollutant_name(code: str, locale: str = "zh_Hans") -> str:
    pollutant = POLLUTANTS.get(code)
    if pollutant is None:
        return code
    return pollutant.name_en if locale == "en" else pollutant.name_zh


def named_pollutant(params: dict[str, Any], locale: str = "zh_Hans") -> dict[str, Any]:
    """A message's parameters with its pollutant (a code, as rules and stored findings carry it) by name,
    for the text people read: "DA001 氮氧化物", not "DA001 NOX"."""
    code = params.get("pollutant")
    return {**params, "pollutant": pollutant_name(code, locale)} if isinstance(code, str) else params


# Chinese labels of the enumerations (English labels are the values, humanised).
LABELS_ZH: dict[str, str] = {
    "air": "废气",
    "water": "废水",
    "main": "主要排放口",
    "general": "一般排放口",
    "special": "特殊排放口",
    "continuous": "连续(自动)",
    "hourly": "每小时",
    "daily": "每日",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "semiannual": "每半年",
    "annual": "每年",
    "automatic": "自动监测",
    "manual": "手工监测",
    "production_facility": "生产设施运行",
    "control_facility": "污染防治设施运行",
    "monitoring": "监测记录",
    "abnormal": "非正常工况",
    "other": "其他环境管理信息",
}
LABELS_EN: dict[str, str] = {
    "air": "Air",
    "water": "Water",
    "main": "Main outlet",
    "general": "General outlet",
    "special": "Special outlet",
    "continuous": "Continuous (automatic)",
    "semiannual": "Half-yearly",
    "production_facility": "Production facility operation",
    "control_facility": "Control facility operation",
    "monitoring": "Monitoring records",
    "abnormal": "Abnormal operation",
    "other": "Other records",
    "automatic": "Automatic",
    "manual": "Manual",
}


def label(value: str, locale: str = "zh_Hans") -> str:
    if locale == "en":
        return LABELS_EN.get(value, value.replace("_", " ").capitalize())
    return LABELS_ZH.get(value, value)
