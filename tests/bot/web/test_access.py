"""THE access decision of the web pages: officers, team leads of their teams, nobody else."""

from __future__ import annotations

from bot.authz import Policy
from bot.web.access import Identity, Roles, WebPolicy, roles_from, web_access
from routines.catalog import load_catalog
from testing.directory import StaticDirectory
from tests.bot.web.scenario import Scenario


def person(user_id: str, email: str | None = None, platform: str = "slack") -> Identity:
    return Identity("k" * 32, platform, user_id, email, user_id)


def roles(scenario: Scenario, officers: tuple[str, ...] = ("U0DPO", "dpo@example.se")) -> Roles:
    catalog = load_catalog([scenario.catalog_path], include_default=False)
    teams = {r.id: r.post_to[0].address for r in catalog.routines}
    return roles_from(officers, catalog.routines, teams)


def test_an_officer_by_platform_id_sees_everything(scenario: Scenario) -> None:
    access = web_access(person("U0DPO"), roles(scenario))
    assert access is not None and access.officer
    assert access.may_open("downloads") and access.may_see_routine("anything")


async def test_an_officer_by_email_is_known_by_the_id_a_directory_resolved(
    scenario: Scenario,
) -> None:
    authz = Policy(
        officers=["dpo@example.se"],
        directories={"slack": StaticDirectory(emails={"DPO@Example.se": "U0DPO2"})},
    )
    await authz.resolve()
    policy = WebPolicy(roles(scenario), authz)
    access = policy.decide(person("U0DPO2"))
    assert access is not None and access.officer


def test_an_email_address_the_platform_reported_grants_nothing(scenario: Scenario) -> None:
    # Entra's `mail` (stored in the people table) is not a verified identity.
    who = person("UOTHER", "DPO@Example.se", platform="teams")
    assert WebPolicy(roles(scenario), Policy()).decide(who) is None
    assert web_access(who, roles(scenario)) is None


def test_an_assignee_leads_the_whole_team_of_their_routine(scenario: Scenario) -> None:
    access = web_access(person("U0LEADOPS"), roles(scenario))

    assert access is not None and access.role == "lead"
    assert access.teams == {"C0OPS"}
    assert access.routines == {"retention-review", "access-review"}
    assert not access.may_see_routine("dsr-check")
    assert not access.may_open("insights") and not access.may_open("downloads")
    assert access.may_open("overview")


def test_an_escalation_target_is_a_team_lead_too(scenario: Scenario) -> None:
    access = web_access(person("U0HEADOPS"), roles(scenario))

    assert access is not None and access.teams == {"C0OPS"}


def test_the_same_id_on_another_platform_is_somebody_else(scenario: Scenario) -> None:
    assert web_access(person("U0LEADOPS", platform="teams"), roles(scenario)) is None


def test_everyone_else_gets_no_access(scenario: Scenario) -> None:
    assert web_access(person("U0EMPLOYEE", "anna@example.se"), roles(scenario)) is None
