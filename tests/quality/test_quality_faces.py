"""The permitting section runs a campaign on the portal and through GraphQL with the same use cases:
pages in Chinese with names, not codes; bad input beside its field with nothing written; another
department reads but does not act; ids past any range are a 404, never a 500."""

from __future__ import annotations

from sqlmodel import func, select

from domain.supervision.quality.models import QualityCampaign, QualityCheck
from domain.supervision.quality.rules import checklist_codes
from tests.factories import make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import log_in, post_form


async def test_a_campaign_on_the_portal(client, session):
    permit = await make_permit(session, await make_enterprise(session))
    officer = await make_user(session, "permitting")
    ecology = await make_user(session, "ecology")
    await session.flush()
    await log_in(client, officer.username)
    page = await client.get("/quality")
    assert page.status_code == 200 and "许可证质量" in page.text and "建立核查活动" in page.text
    bad = await post_form(
        client, "/quality/campaigns", {"name": "", "kind": "random", "sample_size": "x"}, page="/quality"
    )
    assert bad.status_code == 400
    assert 'data-field="name"' in bad.text and 'data-field="sample_size"' in bad.text
    assert (await session.exec(select(func.count()).select_from(QualityCampaign))).one() == 0
    created = await post_form(
        client,
        "/quality/campaigns",
        {"name": "第一批", "kind": "targeted", "permit_numbers": permit.number},
        page="/quality",
    )
    assert created.status_code == 303
    campaign_url = created.headers["location"]
    campaign = await client.get(campaign_url)
    assert permit.number in campaign.text and "按清单指定 1 张许可证" in campaign.text
    check = (await session.exec(select(QualityCheck))).one()
    checklist = await client.get(f"/quality/checks/{check.id}")
    assert checklist.status_code == 200 and "管理类别不低于分类管理名录" in checklist.text
    failed = await post_form(
        client, f"/quality/checks/{check.id}", {"result-H2": "failed"}, page=f"/quality/checks/{check.id}"
    )
    assert failed.status_code == 400 and 'data-field="results.H2.note"' in failed.text
    data = {f"result-{code}": "passed" for code in checklist_codes()}
    recorded = await post_form(
        client, f"/quality/checks/{check.id}", data, page=f"/quality/checks/{check.id}"
    )
    assert recorded.status_code == 303
    await session.refresh(check)
    assert check.checked_at is not None
    closed = await post_form(client, f"{campaign_url}/close", {"conclusion": "全部合格"}, page=campaign_url)
    assert closed.status_code == 303 and "全部合格" in (await client.get(campaign_url)).text
    audited = await post_form(
        client, f"/quality/permits/{permit.id}/audit", {}, page=f"/quality/permits/{permit.id}"
    )
    assert audited.status_code == 303
    own = await client.get(f"/quality/permits/{permit.id}")
    assert "颗粒物" in own.text and "PM" not in own.text.split("<main", 1)[-1].split("</main>")[0].replace(
        "PM10", ""
    ).replace("permit", "")
    for path in (
        "/quality/permits/2147483648",
        "/quality/checks/99999999999999999999",
        "/quality/campaigns/0",
    ):
        assert (await client.get(path)).status_code == 404
    client.cookies.clear()
    await log_in(client, ecology.username)
    assert "建立核查活动" not in (await client.get("/quality")).text
    refused = await post_form(client, f"/quality/permits/{permit.id}/audit", {}, page="/quality")
    assert refused.status_code == 403


async def test_the_api_runs_the_same_campaign(client, session):
    permit = await make_permit(session, await make_enterprise(session))
    officer = await make_user(session, "permitting")
    await session.flush()
    token = await bearer_token(session, officer)
    data = await graphql_data(
        client,
        """mutation($n: [String!]) { createQualityCampaign(name: "API", random: false, permitNumbers: $n) {
             id errors { field code } } }""",
        {"n": [permit.number]},
        token=token,
    )
    assert data["createQualityCampaign"]["errors"] == []
    bad = await graphql_data(
        client,
        'mutation { createQualityCampaign(name: "", random: true, sampleSize: 0) { id errors { field } } }',
        token=token,
    )
    assert {e["field"] for e in bad["createQualityCampaign"]["errors"]} == {"name", "sampleSize"}
    audit = await graphql_data(
        client,
        "mutation($p: ID!) { auditPermitQuality(permitId: $p) { id errors { field } } }",
        {"p": str(permit.id)},
        token=token,
    )
    assert audit["auditPermitQuality"]["errors"] == []
    read = await graphql_data(
        client,
        """query($p: ID!) {
             permitQuality(permitId: $p) { permitNumber findings { ruleCode field text basis } }
             qualityCampaigns(first: 5) { totalCount edges { cursor node { name sampleSize random } } }
             qualityFlaggedPermits(first: 5) { totalCount edges { node { permitNumber findingCount } } } }""",
        {"p": str(permit.id)},
        token=token,
    )
    assert read["permitQuality"]["permitNumber"] == permit.number
    assert {f["ruleCode"] for f in read["permitQuality"]["findings"]} == {"PQ06", "PQ07"}
    assert read["qualityCampaigns"]["totalCount"] == 1
    assert [e["node"]["sampleSize"] for e in read["qualityCampaigns"]["edges"]] != []
    flagged = read["qualityFlaggedPermits"]["edges"]
    assert permit.number in {e["node"]["permitNumber"] for e in flagged}
    huge = await graphql_data(
        client,
        'mutation { closeQualityCampaign(campaignId: "99999999999999", conclusion: "x") '
        "{ id errors { field code } } }",
        token=token,
    )
    assert huge["closeQualityCampaign"]["errors"][0]["field"] == "campaignId"
