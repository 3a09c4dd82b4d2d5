"""Administrative region codes (GB/T 2260, six digits) and jurisdiction.

A regulator's jurisdiction is a region code; it covers every region whose code
starts with the jurisdiction's significant prefix: 370000 (a province) covers
37xxxx, 370100 (a city) covers 3701xx, 370102 (a district) covers itself.
"""

from __future__ import annotations

import re

REGION_CODE = re.compile(r"^\d{6}$")
NATIONAL = "000000"

# Names of the regions the demonstration city and the seeds use; unknown codes
# are shown as the bare code.
REGION_NAMES: dict[str, tuple[str, str]] = {
    "000000": ("全国", "Nationwide"),
    "310000": ("上海市", "Shanghai"),
    "310107": ("上海市普陀区", "Putuo District, Shanghai"),
    "310110": ("上海市杨浦区", "Yangpu District, Shanghai"),
    "310112": ("上海市闵行区", "Minhang District, Shanghai"),
    "310115": ("上海市浦东新区", "Pudong New Area, Shanghai"),
    "370000": ("山东省", "Shandong Province"),
    "370100": ("山东省济南市", "Jinan, Shandong"),
    "370102": ("济南市历下区", "Lixia District, Jinan"),
    "370103": ("济南市市中区", "Shizhong District, Jinan"),
    "370104": ("济南市槐荫区", "Huaiyin District, Jinan"),
    "370105": ("济南市天桥区", "Tianqiao District, Jinan"),
    "370112": ("济南市历城区", "Licheng District, Jinan"),
    "370113": ("济南市长清区", "Changqing District, Jinan"),
    "370114": ("济南市章丘区", "Zhangqiu District, Jinan"),
    "370116": ("济南市莱芜区", "Laiwu District, Jinan"),
}


def is_valid_region_code(code: str) -> bool:
    return bool(REGION_CODE.match(code))


def significant_prefix(code: str) -> str:
    """The part of a region code that identifies it (trailing ``00`` pairs dropped)."""
    if code == NATIONAL:
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def covers(jurisdiction: str, region_code: str) -> bool:
    return region_code.startswith(significant_prefix(jurisdiction))


def region_name(code: str, locale: str = "zh_Hans") -> str:
    names = REGION_NAMES.get(code)
    if names is None:
        return code
    return names[1] if locale == "en" else names[0]


def known_regions_within(jurisdiction: str | None) -> list[str]:
    """The named regions a jurisdiction covers (all of them for no jurisdiction), for choice lists."""
    codes = [code for code in REGION_NAMES if code != NATIONAL]
    if jurisdiction is None:
        return codes
    return [code for code in codes if covers(jurisdiction, code)]
