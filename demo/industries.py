"""What each industry of the demo city discharges: the outlets, limits and standards of its permit copy.

Permitted concentrations are of the real order of magnitude for each industry (the standard is named
on every limit); annual quantities follow from a plausible flow (``demo.permit_content``). Tables are
written as text, one outlet a row, so that a reader checks them against the standards at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

Limit = tuple[str, float]  # pollutant code, permitted concentration


@dataclass(frozen=True)
class PointSpec:
    code: str
    kind: str  # main | general
    name: str
    flow: float  # m³/h (air) or m³/d (water) at scale 1
    limits: tuple[Limit, ...]
    standard: str
    height_m: float | None = None
    online: tuple[str, ...] = ()  # pollutants under automatic monitoring
    direct: bool = False  # water discharged to a river rather than to a sewage plant

    @property
    def medium(self) -> str:
        return "air" if self.code.startswith("DA") else "water"


@dataclass(frozen=True)
class Profile:
    facilities: tuple[tuple[str, str], ...]
    products: tuple[tuple[str, str], ...]
    controls: tuple[tuple[str, str], ...]
    points: tuple[PointSpec, ...]
    fugitive: tuple[tuple[str, str, tuple[Limit, ...]], ...] = ()
    secret: tuple[str, ...] = ()
    special: tuple[tuple[str, str, str, float], ...] = ()  # period, point, pollutant, limit
    monthly_reports: bool = False
    hours: int = 7500  # operating hours a year (air quantities)


def _limits(text: str) -> tuple[Limit, ...]:
    """'SO2 35, NOX 50' → (('SO2', 35.0), ('NOX', 50.0))."""
    pairs = (part.split() for part in text.split(",") if part.strip())
    return tuple((code, float(value)) for code, value in pairs)


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """'1#锅炉: 1025 t/h; 2#锅炉: 1025 t/h' → (('1#锅炉', '1025 t/h'), …)."""
    return tuple(
        (name.strip(), value.strip()) for name, value in (part.split(":") for part in text.split(";"))
    )


def _points(table: str) -> tuple[PointSpec, ...]:
    """Rows: code | kind | name | flow | limits | standard | stack height m | online pollutants | direct."""
    points = []
    for line in table.strip().splitlines():
        code, kind, name, flow, limits, standard, *rest = (part.strip() for part in line.split("|"))
        points.append(
            PointSpec(
                code,
                kind,
                name,
                float(flow),
                _limits(limits),
                standard,
                float(rest[0]) if rest and rest[0] else None,
                tuple(rest[1].split()) if len(rest) > 1 else (),
                len(rest) > 2 and rest[2] == "direct",
            )
        )
    return tuple(points)


def _fugitive(text: str) -> tuple[tuple[str, str, tuple[Limit, ...]], ...]:
    """'MF0001 封闭煤场: PM 1.0; MF0002 液氨储存区: NH3 1.5'."""
    sources = []
    for part in text.split(";"):
        head, limits = part.split(":")
        code, name = head.split()
        sources.append((code, name, _limits(limits)))
    return tuple(sources)


# Water sent to a municipal sewage plant: GB/T 31962-2015 grade B.
INDIRECT = "COD 500, NH3N 45, TN 70, TP 8, SS 400, PH 9 | GB/T 31962-2015 B级"
HEAVY_WEATHER = "重污染天气橙色及以上预警期间"
CIIE = "中国国际进口博览会环境质量保障期间"
VOC_BOUNDARY = "MF0001 厂界: NMHC 4.0"

COAL_POWER = Profile(
    _pairs("1#燃煤锅炉: 1025 t/h; 2#燃煤锅炉: 1025 t/h; 汽轮发电机组: 2×300 MW"),
    _pairs("电力: 2×300 MW; 工业蒸汽: 300 t/h"),
    _pairs("SCR脱硝装置: 选择性催化还原; 石灰石-石膏湿法脱硫: 一炉一塔; 湿式电除尘: 超低排放"),
    _points(f"""
    DA001 | main | 1#、2#锅炉烟囱 | 1800000 | SO2 35, NOX 50, PM 10, HG 0.03, NH3 2.5 \
        | GB 13223-2011（超低排放） | 180 | SO2 NOX PM
    DA002 | general | 输煤转运站除尘排气筒 | 40000 | PM 10 | 超低排放改造要求 | 30
    DW001 | general | 厂区废水总排口 | 1500 | {INDIRECT}
    """),
    _fugitive("MF0001 封闭煤场: PM 1.0; MF0002 液氨储存区: NH3 1.5"),
    special=((HEAVY_WEATHER, "DA001", "NOX", 40),),
    monthly_reports=True,
    hours=7800,
)
GAS_CHP = Profile(
    _pairs("燃气轮机: 2×180 MW; 余热锅炉: 2×260 t/h"),
    _pairs("电力: 2×270 MW; 供热蒸汽: 200 t/h"),
    _pairs("低氮燃烧器: 干式低氮燃烧; SCR脱硝装置: 选择性催化还原"),
    _points(f"""
    DA001 | main | 1#燃机余热锅炉烟囱 | 1900000 | NOX 30, SO2 10, PM 5, NH3 2.5 | DB31/963-2016 \
        | 80 | NOX SO2 PM
    DA002 | main | 2#燃机余热锅炉烟囱 | 1900000 | NOX 30, SO2 10, PM 5, NH3 2.5 | DB31/963-2016 \
        | 80 | NOX SO2 PM
    DW001 | general | 循环冷却排污水排放口 | 2000 | {INDIRECT}
    """),
    _fugitive("MF0001 氨水储罐区: NH3 1.5"),
    monthly_reports=True,
    hours=6000,
)
PAPER = Profile(
    _pairs("1#纸机: 幅宽 5600 mm; 碎浆及流送系统: 800 t/d"),
    _pairs("瓦楞原纸: 30万 t/a; 箱板纸: 20万 t/a"),
    _pairs("污水处理站: 物化+厌氧(IC)+好氧(A/O)+芬顿深度处理; 燃气锅炉: 低氮燃烧"),
    _points("""
    DW001 | main | 废水总排口 | 20000 | COD 80, BOD5 20, SS 30, NH3N 8, TN 12, TP 0.8, COLOR 50, PH 9 \
        | GB 3544-2008 表2 | | COD NH3N TN TP | direct
    DA001 | general | 燃气锅炉排气筒 | 60000 | PM 10, SO2 35, NOX 50 | DB37/2374-2018 | 45
    DA002 | general | 污水站除臭排气筒 | 20000 | NH3 20, H2S 3 | DB37/3161-2018 | 15
    """),
    _fugitive("MF0001 污水处理站厂界: NH3 1.0, H2S 0.03"),
)
PULP = replace(
    PAPER,
    facilities=_pairs("化学机械浆生产线: 25万 t/a; 1#纸机: 幅宽 6600 mm"),
    products=_pairs("文化用纸: 30万 t/a; 化机浆: 25万 t/a"),
    points=_points("""
    DW001 | main | 废水总排口 | 35000 | COD 90, BOD5 20, SS 30, NH3N 8, TN 12, TP 0.8, COLOR 50, AOX 12 \
        | GB 3544-2008 表2（制浆和造纸联合生产） | | COD NH3N TN TP | direct
    DA001 | general | 燃气锅炉排气筒 | 60000 | PM 10, SO2 35, NOX 50 | DB37/2374-2018 | 45
    DA002 | general | 污水站除臭排气筒 | 20000 | NH3 20, H2S 3 | DB37/3161-2018 | 15
    """),
)
SINTERING = Profile(
    _pairs("1#烧结机: 360 m²; 1#高炉: 1080 m³; 热风炉: 3 座"),
    _pairs("烧结矿: 400万 t/a; 生铁: 100万 t/a"),
    _pairs("烧结机头活性炭脱硫脱硝: 活性炭一体化; 布袋除尘器: 覆膜滤料; 出铁场除尘: 布袋"),
    _points("""
    DA001 | main | 烧结机机头排气筒 | 1500000 | PM 10, SO2 35, NOX 50, FL 4.0 | GB 28662-2012（超低排放） \
        | 120 | PM SO2 NOX
    DA002 | main | 烧结机机尾排气筒 | 900000 | PM 10 | GB 28662-2012（超低排放） | 60 | PM
    DA003 | main | 高炉出铁场排气筒 | 800000 | PM 10 | GB 28663-2012（超低排放） | 45 | PM
    DA004 | general | 热风炉排气筒 | 300000 | PM 10, SO2 50, NOX 200 | GB 28663-2012（超低排放） | 80
    DW001 | general | 生产废水排放口 | 3000 | COD 50, NH3N 5, SS 30, OIL 3, TP 0.5, PH 9 | GB 13456-2012 表2 \
        | | | direct
    """),
    _fugitive("MF0001 封闭原料场: PM 1.0"),
    special=((HEAVY_WEATHER, "DA001", "PM", 8),),
    monthly_reports=True,
    hours=8000,
)
STEEL = Profile(
    _pairs("1#转炉: 120 t; 电弧炉: 100 t; 套筒石灰窑: 600 t/d"),
    _pairs("钢坯: 200万 t/a; 特钢棒材: 80万 t/a"),
    _pairs("转炉二次除尘: 布袋除尘; 电炉烟气除尘: 布袋除尘; 石灰窑脱硝: SNCR"),
    _points("""
    DA001 | main | 转炉二次烟气排气筒 | 1200000 | PM 10 | GB 28664-2012（超低排放） | 40 | PM
    DA002 | main | 电炉烟气排气筒 | 1000000 | PM 10 | GB 28664-2012（超低排放） | 50 | PM
    DA003 | general | 石灰窑排气筒 | 120000 | PM 10, SO2 50, NOX 200 | 超低排放改造要求 | 45
    DW001 | general | 生产废水排放口 | 4000 | COD 50, NH3N 5, SS 30, OIL 3, PH 9 | GB 13456-2012 表2 \
        | | | direct
    """),
    _fugitive("MF0001 炼钢车间屋顶: PM 1.0"),
    special=((HEAVY_WEATHER, "DA001", "PM", 8),),
    hours=8000,
)
ORGANIC_CHEM = Profile(
    _pairs("反应釜: 20 台 5 m³; 精馏塔: 4 座; 储罐区: 12 座 200 m³"),
    _pairs("医药中间体: 3000 t/a; 精细化学品: 5000 t/a"),
    _pairs("蓄热式焚烧炉(RTO): 三室 RTO; 储罐呼吸气处理: 冷凝+活性炭吸附; 污水预处理站: 芬顿+生化"),
    _points(f"""
    DA001 | main | RTO焚烧炉排气筒 | 40000 | NMHC 60, NOX 100, SO2 50, HCL 30 | GB 31571-2015 | 25 | NMHC
    DA002 | general | 储罐区废气排气筒 | 8000 | NMHC 60 | GB 31571-2015 | 20
    DW001 | main | 污水总排口 | 600 | VOLPH 2.0, {INDIRECT} | | COD NH3N
    """),
    _fugitive(VOC_BOUNDARY),
    secret=("products",),
    special=((CIIE, "DA001", "NMHC", 50),),
)
BASIC_CHEM = Profile(
    _pairs("盐酸合成炉: 2 台; 硫酸装置: 10万 t/a"),
    _pairs("工业盐酸: 8万 t/a; 硫酸: 10万 t/a"),
    _pairs("尾气吸收: 降膜吸收+碱洗塔; 脱硫: 双碱法"),
    _points("""
    DA001 | main | 尾气吸收塔排气筒 | 30000 | HCL 20, SO2 100, PM 10 | GB 31573-2015 | 35 | SO2
    DW001 | general | 废水排放口 | 800 | COD 60, NH3N 8, TN 20, TP 0.5, SS 30, PH 9 | GB 31573-2015 \
        | | | direct
    """),
    _fugitive("MF0001 厂界: HCL 0.2, PM 1.0"),
)
FERTILISER = Profile(
    _pairs("合成氨装置: 18万 t/a; 尿素装置: 30万 t/a; 造粒塔: 1 座"),
    _pairs("尿素: 30万 t/a; 液氨: 5万 t/a"),
    _pairs("造粒塔粉尘洗涤: 水洗回收; 锅炉烟气治理: 超低排放; 污水处理站: A/O+深度处理"),
    _points("""
    DA001 | main | 尿素造粒塔排气口 | 900000 | PM 30, NH3 30 | GB 13458-2013 | 100 | PM
    DA002 | main | 锅炉烟囱 | 250000 | PM 10, SO2 35, NOX 50 | DB37/2374-2018（超低排放） | 80 | PM SO2 NOX
    DW001 | main | 废水总排口 | 3000 | COD 80, NH3N 25, TN 35, TP 0.5, SS 50, S2 0.5, CN 0.2, OIL 3, PH 9 \
        | GB 13458-2013 表2 | | COD NH3N | direct
    """),
    _fugitive("MF0001 氨罐区厂界: NH3 1.0"),
    special=((HEAVY_WEATHER, "DA002", "NOX", 40),),
)
RESIN = Profile(
    _pairs("聚合釜: 8 台 30 m³; 干燥包装线: 2 条"),
    _pairs("不饱和聚酯树脂: 4万 t/a; 醇酸树脂: 1万 t/a"),
    _pairs("蓄热式焚烧炉(RTO): 两床 RTO; 污水预处理: 水解酸化+接触氧化"),
    _points(f"""
    DA001 | main | RTO排气筒 | 30000 | NMHC 60, PM 20, NOX 100 | GB 31572-2015 表5 | 25 | NMHC
    DA002 | general | 投料粉尘排气筒 | 10000 | PM 20 | GB 31572-2015 | 15
    DW001 | general | 污水总排口 | 300 | {INDIRECT}
    """),
    _fugitive(VOC_BOUNDARY),
    secret=("products", "production_facilities"),
    special=((CIIE, "DA001", "NMHC", 50),),
)
API_PHARMA = Profile(
    _pairs("合成车间反应釜: 30 台; 溶剂回收装置: 2 套; 发酵罐: 6 台 50 m³"),
    _pairs("原料药: 300 t/a; 医药中间体: 500 t/a"),
    _pairs("RTO焚烧炉: 三室 RTO; 污水站除臭: 碱洗+生物滤池; 污水处理站: 厌氧+A/O+芬顿"),
    _points("""
    DA001 | main | 工艺废气RTO排气筒 | 50000 | NMHC 60, HCL 30, NOX 200 | GB 37823-2019 | 30 | NMHC
    DA002 | general | 污水站废气排气筒 | 15000 | NH3 20, H2S 5 | GB 37823-2019 | 15
    DW001 | main | 废水总排口 | 1200 \
        | COD 120, BOD5 25, SS 50, NH3N 25, TN 35, TP 1.0, VOLPH 0.5, ANILINE 2.0, PH 9 \
        | GB 21904-2008 表2 | | COD NH3N | direct
    """),
    _fugitive(VOC_BOUNDARY),
    secret=("products",),
)
API_PHARMA_INDIRECT = replace(
    API_PHARMA,
    points=(
        *API_PHARMA.points[:2],
        replace(_points(f"DW001 | main | 废水总排口 | 1200 | {INDIRECT}")[0], online=("COD",)),
    ),
    special=((CIIE, "DA001", "NMHC", 50),),
)
PREPARATIONS = Profile(
    _pairs("固体制剂生产线: 片剂 10 亿片/a; 注射剂生产线: 2 条"),
    _pairs("片剂: 10 亿片/a; 小容量注射剂: 5000 万支/a"),
    _pairs("粉碎制粒除尘: 布袋除尘; 有机废气处理: 活性炭吸附"),
    _points("""
    DA001 | general | 固体制剂车间排气筒 | 20000 | PM 20 | GB 37823-2019 | 20
    DA002 | general | 质检楼有机废气排气筒 | 8000 | NMHC 60 | GB 37823-2019 | 25
    DW001 | general | 废水总排口 | 300 | COD 60, BOD5 15, SS 30, NH3N 10, TN 20, TP 0.5, PH 9 \
        | GB 21908-2008 表2
    """),
    secret=("products",),
)
DYEING = Profile(
    _pairs("溢流染色机: 40 台; 拉幅定型机: 6 台; 燃气导热油炉: 2 台"),
    _pairs("棉针织布染整: 1.2 亿 m/a"),
    _pairs("印染废水处理站: 水解酸化+接触氧化+混凝沉淀; 定型机废气处理: 水喷淋+静电"),
    _points("""
    DW001 | main | 印染废水排放口 | 4000 \
        | COD 200, NH3N 20, TN 30, TP 1.5, COLOR 80, ANILINE 1.0, S2 0.5, PH 9 \
        | GB 4287-2012 表2（间接排放） | | COD NH3N
    DA001 | general | 定型机废气排气筒 | 30000 | PM 20, NMHC 60 | DB31/933-2015 | 20
    DA002 | general | 导热油炉排气筒 | 10000 | PM 10, SO2 35, NOX 50 | GB 13271-2014 | 15
    """),
)
DYEING_DIRECT = replace(
    DYEING,
    points=_points("""
    DW001 | main | 印染废水排放口 | 4000 \
        | COD 80, BOD5 20, SS 50, NH3N 10, TN 15, TP 0.5, COLOR 50, ANILINE 1.0, S2 0.5, PH 9 \
        | GB 4287-2012 表2（直接排放） | | COD NH3N | direct
    DA001 | general | 定型机废气排气筒 | 30000 | PM 20, NMHC 60 | DB37/2801.6-2018 | 20
    DA002 | general | 导热油炉排气筒 | 10000 | PM 10, SO2 35, NOX 50 | DB37/2374-2018 | 15
    """),
)
PLATING = Profile(
    _pairs("镀铬生产线: 2 条; 镀镍生产线: 2 条; 镀锌生产线: 1 条"),
    _pairs("五金件电镀: 80万 m²/a"),
    _pairs("含铬废水处理: 还原+混凝沉淀; 含镍废水处理: 混凝沉淀+离子交换; 铬酸雾净化塔: 网格式回收"),
    _points("""
    DW001 | main | 含铬废水车间排放口 | 60 | TCR 1.0, CR6 0.2 | GB 21900-2008 表2 | | CR6
    DW002 | main | 含镍废水车间排放口 | 40 | NI 0.5 | GB 21900-2008 表2 | | NI
    DW003 | main | 废水总排口 | 300 \
        | COD 80, NH3N 15, TN 20, TP 1.0, SS 50, CU 0.5, ZN 1.5, CN 0.3, OIL 3, PH 9 \
        | GB 21900-2008 表2 | | COD NH3N
    DA001 | general | 铬酸雾排气筒 | 12000 | CRM 0.05 | GB 21900-2008 表5 | 15
    DA002 | general | 酸雾排气筒 | 15000 | HCL 30, NOX 200 | GB 21900-2008 表5 | 15
    """),
)
SEWAGE = Profile(
    _pairs("粗细格栅及曝气沉砂池: 10万 m³/d; AAO生化池: 4 组; 高效沉淀池+滤布滤池: 10万 m³/d"),
    _pairs("城镇污水处理: 10万 m³/d"),
    _pairs("除臭系统: 生物除臭; 消毒: 紫外线"),
    _points("""
    DW001 | main | 尾水排放口 | 100000 | COD 50, BOD5 10, SS 10, NH3N 5, TN 15, TP 0.5, COLOR 30, PH 9 \
        | GB 18918-2002 一级A | | COD NH3N TN TP | direct
    DA001 | general | 生物除臭排气筒 | 50000 | NH3 20, H2S 3 | GB 14554-93 | 15
    """),
    _fugitive("MF0001 厂界: NH3 1.5, H2S 0.06"),
    hours=8760,
)
CEMENT = Profile(
    _pairs("新型干法熟料生产线: 5000 t/d; 水泥粉磨系统: 2 套"),
    _pairs("熟料: 155万 t/a; 水泥: 200万 t/a"),
    _pairs("窑尾脱硝: SNCR+SCR; 窑尾除尘: 覆膜袋除尘; 窑头除尘: 电改袋"),
    _points("""
    DA001 | main | 窑尾排气筒 | 700000 | PM 10, SO2 50, NOX 100, FL 3, NH3 8, HG 0.05 | DB37/2373-2018 | 105 \
        | PM SO2 NOX
    DA002 | main | 窑头排气筒 | 500000 | PM 10 | DB37/2373-2018 | 35 | PM
    DA003 | general | 水泥磨排气筒 | 100000 | PM 10 | DB37/2373-2018 | 30
    """),
    _fugitive("MF0001 厂界: PM 0.5"),
    special=((HEAVY_WEATHER, "DA001", "NOX", 80),),
    hours=7200,
)

PROFILES: dict[str, Profile] = {
    "4411": COAL_POWER,
    "4412": GAS_CHP,
    "2221": PAPER,
    "2211": PULP,
    "3110": SINTERING,
    "3120": STEEL,
    "2614": ORGANIC_CHEM,
    "2619": BASIC_CHEM,
    "2621": FERTILISER,
    "2651": RESIN,
    "2710": API_PHARMA,
    "2720": PREPARATIONS,
    "1713": DYEING,
    "3360": PLATING,
    "4620": SEWAGE,
    "3011": CEMENT,
}


def profile_for(industry_code: str, region_code: str) -> Profile:
    """The industry's profile as it applies in the unit's city (its local standards, where its water goes)."""
    profile = PROFILES.get(industry_code, PREPARATIONS)
    shanghai = region_code.startswith("31")
    if profile is DYEING and not shanghai:
        return DYEING_DIRECT
    if profile is API_PHARMA and shanghai:
        return API_PHARMA_INDIRECT
    return profile
