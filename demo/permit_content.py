"""The permit copy (副本) of a demo unit: its industry's outlets and limits at its scale, as the national
platform would hold it; and the change of permitted items the city's changed permits went through."""

from __future__ import annotations

import random
from typing import Any

from demo.city import DemoEnterprise
from demo.industries import CIIE, PointSpec, profile_for

QUANTITY_POLLUTANTS = frozenset({"SO2", "NOX", "PM", "NMHC", "COD", "NH3N", "TN", "TP"})
CENTRES: dict[str, tuple[float, float]] = {
    "310107": (121.397, 31.250),
    "370102": (117.080, 36.675),
    "370103": (116.995, 36.650),
    "370104": (116.900, 36.650),
    "370105": (116.995, 36.700),
    "370112": (117.075, 36.690),
    "370113": (116.750, 36.555),
    "370114": (117.530, 36.710),
    "370116": (117.670, 36.210),
}
COMMITMENTS = (
    "本单位承诺严格按照排污许可证规定排放污染物，落实自行监测、环境管理台账记录、执行报告和信息公开制度，"
    "对申请材料的真实性、准确性和完整性负责，接受生态环境主管部门的监督检查。"
)


def _quantity(
    point: PointSpec, pollutant: str, concentration: float, scale: float, hours: int
) -> float | None:
    if point.kind != "main" or pollutant not in QUANTITY_POLLUTANTS:
        return None
    if point.medium == "air":
        tonnes = point.flow * scale * concentration * hours * 1e-9
    else:
        tonnes = point.flow * scale * concentration * 365 * 1e-6
    return round(tonnes, 2 if tonnes < 100 else 1)


def permit_content_for(item: DemoEnterprise, index: int) -> dict[str, Any]:
    """The permit copy (副本) of a demo unit: its industry's outlets and limits at its scale."""
    profile = profile_for(item.industry_code, item.region_code)
    simplified = item.category == "simplified"
    lon, lat = CENTRES.get(item.region_code, (117.0, 36.65))
    rng = random.Random(index)
    lon, lat = lon + rng.uniform(-0.03, 0.03), lat + rng.uniform(-0.02, 0.02)
    outlets: list[dict[str, Any]] = []
    monitoring: list[dict[str, Any]] = []
    for number, point in enumerate(profile.points):
        kind = "general" if simplified else point.kind
        online = () if simplified else point.online
        if point.medium == "air":
            direction = "大气"
        elif point.direct:
            direction = "直接排放：苏州河" if item.region_code.startswith("31") else "直接排放：小清河"
        else:
            direction = "间接排放：经市政污水管网进入城镇污水处理厂"
        limits = []
        for pollutant, concentration in point.limits:
            unit = (
                "mg/m3"
                if point.medium == "air"
                else ("dimensionless" if pollutant in ("PH", "COLOR") else "mg/L")
            )
            limits.append(
                {
                    "pollutant": pollutant,
                    "concentration_limit": concentration,
                    "unit": unit,
                    "annual_quantity_limit": None
                    if simplified
                    else _quantity(point, pollutant, concentration, item.scale, profile.hours),
                    "standard": point.standard + ("（6~9）" if pollutant == "PH" else ""),
                }
            )
            if pollutant in online:
                monitoring.append(
                    {
                        "point": point.code,
                        "pollutant": pollutant,
                        "frequency": "continuous",
                        "method": "automatic",
                    }
                )
            else:
                if kind == "main":
                    frequency = "monthly" if point.medium == "water" else "quarterly"
                else:
                    frequency = "quarterly" if point.medium == "water" else "semiannual"
                monitoring.append(
                    {"point": point.code, "pollutant": pollutant, "frequency": frequency, "method": "manual"}
                )
        outlets.append(
            {
                "code": point.code,
                "name": point.name,
                "medium": point.medium,
                "kind": kind,
                "location": ("厂区东北角", "厂区西侧", "厂区南门东侧", "污水站北侧", "厂区西南角")[
                    number % 5
                ],
                "longitude": round(lon + 0.001 * number, 6),
                "latitude": round(lat - 0.0008 * number, 6),
                "direction": direction,
                "height_m": point.height_m,
                "online_monitoring": bool(online),
                "limits": limits,
            }
        )
    fugitive = [
        {
            "code": code,
            "name": name,
            "location": "厂界",
            "limits": [
                {
                    "pollutant": p,
                    "concentration_limit": c,
                    "unit": "mg/m3",
                    "annual_quantity_limit": None,
                    "standard": "厂界无组织排放监控浓度限值",
                }
                for p, c in source_limits
            ],
        }
        for code, name, source_limits in profile.fugitive
    ]
    for code, _name, source_limits in profile.fugitive:
        for pollutant, _ in source_limits:
            monitoring.append(
                {"point": code, "pollutant": pollutant, "frequency": "semiannual", "method": "manual"}
            )
    has_online = any(entry["method"] == "automatic" for entry in monitoring)
    ledger = [
        {"kind": "production_facility", "frequency": "daily"},
        {"kind": "control_facility", "frequency": "daily"},
        {"kind": "monitoring", "frequency": "hourly" if has_online else "monthly"},
        {"kind": "abnormal", "frequency": "daily"},
        {"kind": "other", "frequency": "monthly"},
    ]
    if simplified:
        report_kinds = ["annual"]
    elif profile.monthly_reports:
        report_kinds = ["monthly", "quarterly", "annual"]
    else:
        report_kinds = ["quarterly", "annual"]
    codes = {outlet["code"] for outlet in outlets}
    special = [
        {
            "period": period,
            "point": point,
            "pollutant": pollutant,
            "concentration_limit": limit,
            "unit": "mg/m3",
        }
        for period, point, pollutant, limit in profile.special
        if point in codes and (period == CIIE) == item.region_code.startswith("31") and not simplified
    ]
    content = {
        "production_facilities": [{"name": n, "capacity": c} for n, c in profile.facilities],
        "products": [{"name": n, "capacity": c} for n, c in profile.products],
        "control_facilities": [{"name": n, "process": p} for n, p in profile.controls],
        "outlets": outlets,
        "fugitive_sources": fugitive,
        "monitoring": monitoring,
        "ledger_records": ledger,
        "report_kinds": report_kinds,
        "special_period_limits": special,
        "commitments": COMMITMENTS,
        "secret_sections": list(profile.secret),
    }
    if "monthly" in report_kinds:
        # Units that file monthly: their permits let the quarterly and annual reports stand for the
        # quarter's last month (HJ 944-2018), so those months show as covered.
        content["report_folding"] = True
    return content


def changed_content(content: dict[str, Any]) -> dict[str, Any]:
    """A change of permitted items (M48 §43): a new general outlet for the hazardous-waste store."""
    codes = [o["code"] for o in content["outlets"] if o["medium"] == "air"]
    code = f"DA{max((int(c[2:]) for c in codes), default=0) + 1:03d}"
    outlets = [
        *content["outlets"],
        {
            "code": code,
            "name": "危废暂存库废气排气筒",
            "medium": "air",
            "kind": "general",
            "location": "危废暂存库东侧",
            "direction": "大气",
            "height_m": 15,
            "online_monitoring": False,
            "limits": [
                {"pollutant": "NMHC", "concentration_limit": 60, "unit": "mg/m3", "standard": "GB 37822-2019"}
            ],
        },
    ]
    monitoring = [
        *content["monitoring"],
        {"point": code, "pollutant": "NMHC", "frequency": "semiannual", "method": "manual"},
    ]
    return {**content, "outlets": outlets, "monitoring": monitoring}
