"""The permit quality rules over one permit's copy: each rule faults its field with its figures and basis,
and the industry figures are the report rule sets' own (one table for both)."""

from __future__ import annotations

import copy

from domain.audit_rules.industry.requirements import requirements_for
from domain.supervision.quality.catalogue import CATALOGUE, below_catalogue
from domain.supervision.quality.labels import finding_text
from domain.supervision.quality.rules import PermitFacts, check_permit, sample
from tests.factories import permit_content


def good_power_content() -> dict:  # type: ignore[type-arg]
    """The factory's thermal power copy made right: every permitted pollutant monitored, mercury quarterly,
    PM automatic, all ledger records."""
    content = permit_content()
    air = content["outlets"][0]
    air["limits"].append({"pollutant": "HG", "concentration_limit": 0.03, "unit": "mg/m3"})
    content["monitoring"] += [
        {"point": "DA001", "pollutant": "PM", "frequency": "continuous", "method": "automatic"},
        {"point": "DA001", "pollutant": "HG", "frequency": "quarterly", "method": "manual"},
    ]
    content["ledger_records"].append({"kind": "control_facility", "frequency": "daily"})
    return content


def codes(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.rule_code for f in findings]


def test_a_right_permit_has_no_finding():
    assert check_permit(PermitFacts("4411", "key", good_power_content())) == []


def test_a_thermal_power_plant_under_simplified_management_is_below_the_catalogue():
    findings = check_permit(PermitFacts("4411", "simplified", good_power_content()))
    category = [f for f in findings if f.rule_code == "PQ01"]
    assert len(category) == 1 and category[0].field == "category"
    assert "固定污染源排污许可分类管理名录（2019年版）" in category[0].basis
    text = finding_text("PQ01", category[0].params, "zh_Hans")
    assert "简化管理" in text and "重点管理" in text and "火力发电4411" in text
    # Where the category depends on processes or size, the catalogue's lowest is simplified: never faulted
    assert not below_catalogue("4620", "simplified") and not below_catalogue("3360", "simplified")
    assert below_catalogue("2621", "simplified") and CATALOGUE["2621"].lowest == "key"


def test_each_rule_names_the_field_and_the_figures():
    content = good_power_content()
    air = content["outlets"][0]
    air["limits"] = [limit for limit in air["limits"] if limit["pollutant"] != "NOX"]  # PQ02
    content["monitoring"] = [m for m in content["monitoring"] if m["pollutant"] != "NOX"]
    air["limits"][-1]["concentration_limit"] = 0.05  # mercury above GB 13223-2011's 0.03: PQ05
    for entry in content["monitoring"]:
        if entry["pollutant"] == "SO2":
            entry["method"], entry["frequency"] = "manual", "monthly"  # PQ03
        if entry["pollutant"] == "HG":
            entry["frequency"] = "annual"  # PQ04
    content["monitoring"] = [m for m in content["monitoring"] if m["pollutant"] != "COD"]  # PQ06
    content["ledger_records"] = [r for r in content["ledger_records"] if r["kind"] != "monitoring"]  # PQ07
    content["report_kinds"] = ["annual"]  # PQ08
    findings = {f.rule_code: f for f in check_permit(PermitFacts("4411", "key", content))}
    assert sorted(findings) == ["PQ02", "PQ03", "PQ04", "PQ05", "PQ06", "PQ07", "PQ08"]
    assert findings["PQ02"].field == "outlets[0].limits" and findings["PQ02"].source_rule == "I4411-01"
    assert "氮氧化物" in finding_text("PQ02", findings["PQ02"].params, "zh_Hans")
    assert findings["PQ03"].field.startswith("monitoring[") and findings["PQ03"].field.endswith("].method")
    assert findings["PQ04"].params == {
        "outlet": "DA001",
        "pollutant": "HG",
        "frequency": "annual",
        "required": "quarterly",
    }
    assert findings["PQ04"].basis == "HJ 820-2017" and findings["PQ04"].source_rule == "I4411-07"
    text = finding_text("PQ04", findings["PQ04"].params, "zh_Hans")
    assert "汞及其化合物" in text and "每年" in text and "每季度" in text and "HG" not in text
    assert findings["PQ05"].field == "outlets[0].limits[2].concentration_limit"
    assert findings["PQ05"].params["limit"] == 0.05 and findings["PQ05"].params["standard_limit"] == 0.03
    assert "GB 13223-2011" in findings["PQ05"].basis and "HJ 942-2018" in findings["PQ05"].basis
    assert findings["PQ06"].params == {"outlet": "DW001", "pollutant": "COD"}
    assert findings["PQ07"].params == {"record": "monitoring"} and "HJ 944-2018" in findings["PQ07"].basis
    assert findings["PQ08"].params == {"report": "quarterly", "category": "key"}
    assert "季度执行报告" in finding_text("PQ08", findings["PQ08"].params, "zh_Hans")


def test_the_permit_audit_reads_the_report_rules_figures():
    """The floors, standards and required pollutants are registered by the report rule sets themselves."""
    power = requirements_for("4411")
    assert {r.rule_code for r in power} >= {"I4411-01", "I4411-02", "I4411-06", "I4411-07"}
    floor = next(r for r in power if r.rule_code == "I4411-07")
    assert floor.floors == {"HG": "quarterly"}
    conditional = next(r for r in power if r.rule_code == "I4411-04")  # coal-fired only: by hand
    assert conditional.conditional


def test_automatic_monitoring_for_key_management_only_where_the_rule_says_so():
    content = copy.deepcopy(permit_content())
    simplified = check_permit(PermitFacts("2221", "simplified", content))
    assert "PQ03" not in codes(simplified)


def test_a_random_sample_is_reproducible_from_its_seed():
    pool = list(range(1, 40))
    assert sample(pool, 5, 42) == sample(list(reversed(pool)), 5, 42)
    assert len(sample(pool, 5, 42)) == 5 and sample(pool, 50, 1) == pool
