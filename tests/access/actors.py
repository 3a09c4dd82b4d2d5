"""Every kind of actor the access rules tell apart, for the property tests of this directory.

Regulators of each role at province, city and district level and nationwide (and one without a region,
which the database refuses but an ``Actor`` can still be); the unit's staff and administrators; agency
staff with each combination of authorisation scopes; the administrator and the CLI operator; the public;
and each of them again through a read-only token.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from itertools import chain, combinations

from hypothesis import strategies as st

from domain.access import ANONYMOUS, REGULATOR_ROLES, Actor, Role, operator

AGENCY_SCOPES = ("ledger", "self_monitoring", "facility_operation", "reports")
READ_ONLY = frozenset({"read"})


def scope_sets() -> list[frozenset[str]]:
    """Every subset of the authorisation scopes, the empty one included."""
    return [
        frozenset(chosen)
        for chosen in chain.from_iterable(
            combinations(AGENCY_SCOPES, size) for size in range(len(AGENCY_SCOPES) + 1)
        )
    ]


def actor_kinds(
    *,
    regions: Iterable[str | None],
    enterprises: Iterable[int | None],
    agency_id: int,
    client: int,
    other_client: int,
    user_id: int,
) -> list[tuple[str, Actor]]:
    """(name, actor) for every kind; agency staff hold each scope set for ``client`` and reports for
    ``other_client``."""
    kinds: list[tuple[str, Actor]] = [
        ("public", ANONYMOUS),
        ("admin", Actor(user_id=user_id, username="admin", role=Role.ADMIN)),
        ("cli-operator", operator()),
    ]
    for role in sorted(REGULATOR_ROLES):
        for region in regions:
            kinds.append(
                (
                    f"{role.value}@{region}",
                    Actor(user_id=user_id, username="r", role=role, region_code=region),
                )
            )
    for role in (Role.ENTERPRISE_STAFF, Role.ENTERPRISE_ADMIN):
        for enterprise in enterprises:
            kinds.append(
                (
                    f"{role.value}#{enterprise}",
                    Actor(user_id=user_id, username="e", role=role, enterprise_id=enterprise),
                )
            )
    for scopes in scope_sets():
        authorisations = frozenset({(client, scope) for scope in scopes} | {(other_client, "reports")})
        name = "agency[" + ",".join(sorted(scopes)) + "]"
        kinds.append(
            (
                name,
                Actor(
                    user_id=user_id,
                    username="a",
                    role=Role.AGENCY_STAFF,
                    agency_id=agency_id,
                    authorisations=authorisations,
                ),
            )
        )
    kinds.append(
        ("agency-without-authorisations", Actor(user_id=user_id, role=Role.AGENCY_STAFF, agency_id=agency_id))
    )
    read_only = [(f"{name}/read-only-token", replace(actor, scopes=READ_ONLY)) for name, actor in kinds[1:]]
    return kinds + read_only


def any_actor(
    *, regions: list[str | None], enterprises: list[int | None], agencies: list[int | None], users: list[int]
) -> st.SearchStrategy[Actor]:
    """Any actor at all, consistent or not (an enterprise user with an agency, a regulator without a
    region...): the two forms must agree even on actors the database would never produce."""
    authorisation = st.tuples(
        st.sampled_from([e for e in enterprises if e is not None]), st.sampled_from(AGENCY_SCOPES)
    )
    return st.builds(
        Actor,
        user_id=st.sampled_from([None, *users]),
        role=st.sampled_from([None, *Role]),
        enterprise_id=st.sampled_from(enterprises),
        agency_id=st.sampled_from(agencies),
        region_code=st.sampled_from(regions),
        scopes=st.sampled_from([frozenset({"read", "write"}), READ_ONLY, frozenset()]),
        authorisations=st.frozensets(authorisation, max_size=6),
        channel=st.sampled_from(["portal", "api", "cli", "public"]),
    )
