"""Integrators read the schema in Chinese or in English: every type, field, argument, enum value and
scalar says what it is in both (docs/integrators.md, "Descriptions")."""

from __future__ import annotations

from graphql import build_schema

from graphql_schema import bilingual
from graphql_schema.export import SCHEMA_FILE
from graphql_schema.schema import schema
from tests.graphql_helpers import graphql_data


def test_every_type_field_argument_enum_value_and_scalar_has_chinese_and_english():
    problems = bilingual.problems(schema._schema)

    assert problems == [], (
        f"{len(problems)} schema elements lack a description in both languages. Give each a Chinese "
        "description= in the code, then its English: `python tools/graphql_descriptions.py` prints "
        "the Chinese still to translate, `--merge FILE` adds the translations to "
        "graphql_schema/descriptions_en.json.\n" + "\n".join(problems)
    )


def test_the_committed_schema_file_carries_both_languages():
    committed = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    described = dict(bilingual.elements(committed))

    chinese, english = described["Permit"].description.split("\n\n")
    assert chinese.startswith("排污许可证。有权查看者")
    assert english.startswith("Discharge permit. Those allowed to see it")
    assert described["Query.exceedances"].description.split("\n\n") == [
        "超标记录：企业看本单位，监管部门看本辖区（超量预警）；可按区县、行业、开始月份筛选，"
        "按单位名称、信用代码或许可证编号检索（与门户“超量预警”页相同）",
        "Exceedances: a permit holder sees its own, regulators their jurisdiction's (over-limit "
        "warning); filter by district, industry and month begun, search by unit name, credit code or "
        "permit number (as the portal's over-limit warning page)",
    ]
    assert (
        described["Date"].description == "日期（ISO 8601，如 2026-03-31）\n\nDate (ISO 8601, e.g. 2026-03-31)"
    )


async def test_introspection_shows_both_languages(client):
    data = await graphql_data(
        client, '{ __type(name: "ReportState") { description enumValues { name description } } }'
    )

    status = data["__type"]
    assert status["description"] == "执行报告状态\n\nExecution report status"
    returned = {value["name"]: value["description"] for value in status["enumValues"]}
    assert (
        returned["RETURNED"]
        == "已退回：监管部门发出问题反馈意见单\n\nReturned: the regulators issued a feedback form"
    )


def test_a_description_missing_or_untranslated_is_named():
    sdl = '''
        """查询"""
        type Query {
          """许可证编号"""
          permitNumber: String
          undocumented(first: Int): Int
          """一段还没有翻译的说明"""
          pending: Int
        }
    '''
    built = bilingual.apply(build_schema(sdl))

    assert bilingual.problems(built) == [
        "Query.undocumented: no Chinese description",
        "Query.undocumented(first): no Chinese description",
        "Query.pending: no English for '一段还没有翻译的说明'",
    ]
    assert built.query_type is not None
    assert built.query_type.fields["permitNumber"].description == "许可证编号\n\nPermit number"
    assert bilingual.untranslated(built) == ["一段还没有翻译的说明"]


async def test_a_deprecated_fields_reason_is_in_both_languages(client):
    data = await graphql_data(
        client,
        '{ __type(name: "ProblemPage") { fields(includeDeprecated: true) '
        "{ name isDeprecated deprecationReason } } }",
    )

    fields = {field["name"]: field for field in data["__type"]["fields"]}
    assert fields["nodes"]["isDeprecated"] is True
    assert fields["nodes"]["deprecationReason"] == "改用 edges { node }。\n\nUse edges { node }."
    assert fields["edges"]["deprecationReason"] is None


def test_a_deprecation_reason_in_english_only_or_untranslated_is_named():
    sdl = '''
        """查询"""
        type Query {
          """许可证编号"""
          old: Int @deprecated(reason: "Use new.")
          """是否还有下一页"""
          older: Int @deprecated(reason: "改用一个还没有翻译的字段。")
          """本页记录"""
          new: Int
        }
    '''
    built = bilingual.apply(build_schema(sdl))

    assert bilingual.problems(built) == [
        "Query.old: deprecation reason not in Chinese",
        "Query.older: no English for deprecation reason '改用一个还没有翻译的字段。'",
    ]
    assert bilingual.untranslated(built) == ["改用一个还没有翻译的字段。"]
