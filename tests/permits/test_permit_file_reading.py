"""Reading permit files (JSON, XLSX): the example files, the layout, and problems named by cell."""

import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from demo.examples import example_records
from domain.errors import FieldError
from domain.permits.content import parse_content
from domain.permits.files.layout import MAX_FILE_BYTES, PermitFileRejected
from domain.permits.files.reading import open_permit_file, read_permit_file
from domain.permits.files.writing import records_to_xlsx

EXAMPLES = Path(__file__).resolve().parents[2] / "web_templates/static/examples"
TOP = ("number", "enterprise_credit_code", "category", "issuing_authority", "decision_date", "valid_until")


def normalized(record):
    """What the import makes of a record: its top fields and the checked permit content."""
    content, errors = parse_content(record["content"])
    assert errors == []
    return {key: record.get(key) for key in TOP}, bool(record.get("renewed")), content.to_dict()


def rejected(name, data):
    with pytest.raises(PermitFileRejected) as caught:
        read_permit_file(name, data)
    return caught.value.problems


def workbook_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def example_workbook():
    return load_workbook(EXAMPLES / "permits-import-example.xlsx")


def test_the_example_json_is_the_demo_citys_two_units_awaiting_import():
    records = json.loads((EXAMPLES / "permits-import-example.json").read_text(encoding="utf-8"))
    assert records == example_records()
    assert read_permit_file("permits-import-example.json", json.dumps(records).encode()) == records


def test_the_example_workbook_reads_as_the_same_permits_as_the_json():
    from_json = read_permit_file("a.json", (EXAMPLES / "permits-import-example.json").read_bytes())
    from_xlsx = read_permit_file("a.xlsx", (EXAMPLES / "permits-import-example.xlsx").read_bytes())
    assert [normalized(r) for r in from_xlsx] == [normalized(r) for r in from_json]
    assert from_xlsx[1]["valid_until"] == "2027-06-30"  # an Excel date cell becomes an ISO date


def test_a_workbook_written_with_chinese_labels_reads_back_as_codes():
    records = example_records()
    back = read_permit_file("x.xlsx", records_to_xlsx(records))
    assert back[0]["category"] == "key" and back[1]["category"] == "simplified"
    assert back[0]["content"]["outlets"][0]["medium"] == "air"
    assert back[0]["content"]["outlets"][0]["online_monitoring"] is True
    assert back[0]["content"]["monitoring"][0]["frequency"] == "continuous"
    assert [normalized(r) for r in back] == [normalized(r) for r in records]


def test_chinese_sheet_names_headers_and_pollutant_names_are_understood():
    workbook = example_workbook()
    for key, zh in (("permits", "许可证"), ("outlets", "排放口"), ("limits", "许可限值")):
        sheet = workbook[key]
        sheet.title = zh
        for cell in sheet[1]:
            cell.value = str(cell.value).split(" ")[0]  # the Chinese half only
    workbook["许可限值"]["C2"] = "非甲烷总烃"
    records = read_permit_file("x.xlsx", workbook_bytes(workbook))
    assert records[0]["content"]["outlets"][0]["limits"][0]["pollutant"] == "NMHC"
    assert records[0]["category"] == "key"


def test_progress_is_reported_up_to_the_total():
    calls = []
    read_permit_file(
        "x.xlsx",
        (EXAMPLES / "permits-import-example.xlsx").read_bytes(),
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls and calls[-1][0] == calls[-1][1] > 0


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("permits.csv", b"a,b", "file_type"),
        ("permits.json", b"", "empty"),
        ("permits.json", b'{"number": "x"}', "not_a_list"),
        ("permits.json", b"[]", "empty"),
        ("permits.json", "\ufeff[{".encode(), "json"),
        ("permits.json", b"\xff\xfe[", "encoding"),
        ("permits.xlsx", b"PK\x03\x04 not really a workbook", "unreadable"),
        ("permits.xlsx", b"x" * (MAX_FILE_BYTES + 1), "too_large"),
    ],
)
def test_an_unreadable_file_gets_one_clear_error(name, data, code):
    problems = rejected(name, data)
    assert [p.code for p in problems] == [code]
    assert problems[0].location == "file"


def test_invalid_json_says_line_and_column():
    [problem] = rejected("p.json", b'[\n  {"number": 1,,}\n]')
    assert problem.params["line"] == 2 and problem.params["column"] > 1


def test_json_entries_that_are_not_objects_or_repeat_a_number_are_named_by_position():
    records = [{"number": "A"}, 7, {"number": "a"}]
    problems = rejected("p.json", json.dumps(records).encode())
    assert {(p.location, p.code) for p in problems} == {
        ("rows[2]", "type"),
        ("rows[3].number", "duplicate_in_file"),
    }


def test_a_workbook_without_a_required_sheet_names_it():
    workbook = example_workbook()
    del workbook["limits"]
    [problem] = rejected("x.xlsx", workbook_bytes(workbook))
    assert problem.code == "missing_sheet" and "limits" in problem.params["sheet"]


def test_a_sheet_missing_a_required_column_names_sheet_and_columns():
    workbook = example_workbook()
    workbook["outlets"].delete_cols(4)  # medium
    [problem] = rejected("x.xlsx", workbook_bytes(workbook))
    assert (problem.sheet, problem.row, problem.cell, problem.code) == ("outlets", 1, "A1", "columns")
    assert "medium" in problem.params["columns"]


def test_bad_cells_are_named_by_sheet_row_and_column():
    workbook = example_workbook()
    outlets, limits, monitoring = workbook["outlets"], workbook["limits"], workbook["monitoring"]
    outlets["K3"] = "maybe"  # online monitoring: yes or no
    limits["B4"] = "DA099"  # no such outlet
    monitoring["A5"] = "91310107000000016R009P"  # no such permit in the permits sheet
    problems = rejected("x.xlsx", workbook_bytes(workbook))
    assert {(p.location, p.code) for p in problems} == {
        ("outlets!K3", "bool"),
        ("limits!B4", "unknown_point"),
        ("monitoring!A5", "unknown_permit"),
    }
    assert all(p.field for p in problems)


def test_a_permit_number_twice_in_the_permits_sheet_is_refused():
    workbook = example_workbook()
    workbook["permits"]["A3"] = workbook["permits"]["A2"].value
    problems = rejected("x.xlsx", workbook_bytes(workbook))
    assert problems[0].location == "permits!A3" and problems[0].code == "duplicate_in_file"
    assert problems[0].params["where"] == "permits!A2"
    # The second permit's rows in the other sheets now belong to no permit of the file.
    assert {p.code for p in problems[1:]} == {"unknown_permit"}


def test_errors_of_the_import_point_back_to_the_cell_the_value_came_from():
    permit_file = open_permit_file("x.xlsx", (EXAMPLES / "permits-import-example.xlsx").read_bytes())
    error = FieldError("x", "unit", "The unit must be one of: {units}.", {"units": "mg/m3"})
    # The second limit of the first outlet of the first permit is on row 3 of the limits sheet, unit in E.
    located = permit_file.locate(0, "content.outlets[0].limits[1].unit", error)
    assert (located.sheet, located.row, located.cell) == ("limits", 3, "E3")
    assert located.field == "单位 unit" and located.message == error.message
    assert permit_file.locate(0, "enterprise_credit_code", error).cell == "B2"
    assert permit_file.locate(1, "content.report_kinds", error).cell == "I3"
    # A whole outlet faulted (no limits): its row in the outlets sheet.
    assert permit_file.locate(0, "content.outlets[2].limits", error).location == "outlets!A4"
    assert permit_file.locate(1, "row", error).location == "permits!A3"


def test_empty_rows_and_extra_sheets_are_ignored():
    workbook = example_workbook()
    workbook["limits"].insert_rows(3, amount=2)
    workbook.create_sheet("备注")["A1"] = "随便写点什么"
    records = read_permit_file("x.xlsx", workbook_bytes(workbook))
    assert len(records) == 2
    assert [normalized(r) for r in records] == [normalized(r) for r in example_records()]


def test_a_workbook_with_only_headers_has_no_permits():
    workbook = Workbook()
    workbook.active.title = "permits"
    workbook["permits"].append(
        ["number", "enterprise_credit_code", "category", "issuing_authority", "decision_date", "report_kinds"]
    )
    workbook.create_sheet("outlets").append(["permit_number", "code", "name", "medium", "kind"])
    workbook.create_sheet("limits").append(
        ["permit_number", "point", "pollutant", "concentration_limit", "unit"]
    )
    [problem] = rejected("x.xlsx", workbook_bytes(workbook))
    assert problem.code == "empty"
