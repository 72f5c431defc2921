"""THE authorisation policy as a table of cases: who may do what, by platform id only."""

from __future__ import annotations

import pytest

from bot.authz import (
    RULES,
    ChannelAudience,
    ClientAudience,
    Decision,
    Policy,
    Subject,
    refusal_text,
)
from testing.directory import StaticDirectory

CHANNEL = ChannelAudience("retention", True, (("slack", "C0TEAMB"), ("teams", "19:b@thread.tacv2")))
PEOPLE = ChannelAudience("dsr", False, (("slack", "C0TEAMB"),))


@pytest.fixture
async def policy() -> Policy:
    slack = StaticDirectory(
        members={"C0TEAMB": {"UBO"}},
        emails={"dpo@example.se": "U0DPO", "owner@example.se": "U0OWNER"},
    )
    policy = Policy(
        officers=["U0OFFICER", "dpo@example.se", "6f1c0e2a-0000-4b5c-9d8e-000000000001"],
        owners=["owner@example.se"],
        leads={"retention": [("slack", "U0LEAD")], "quiz": [("slack", "UBO")]},
        directories={"slack": slack},
        training_leads={"quiz": [("slack", "U0TEAMLEAD")]},
    )
    await policy.resolve()
    return policy


CASES = [
    # action, subject, resource, allowed, reason
    ("report.export", Subject("slack", "U0OFFICER"), None, True, "officer"),
    ("report.export", Subject("slack", "u0officer"), None, True, "officer"),
    ("report.export", Subject("slack", "U0DPO"), None, True, "officer"),  # resolved e-mail
    ("report.export", Subject("teams", "6F1C0E2A-0000-4B5C-9D8E-000000000001"), None, True,
     "officer"),
    ("report.export", Subject("teams", "U0DPO"), None, False, "not_officer"),  # other platform
    ("report.export", Subject("slack", "dpo@example.se"), None, False, "not_officer"),
    ("report.export", Subject("slack", "U0OWNER"), None, False, "not_officer"),
    ("insights.view", Subject("slack", "U0OWNER"), None, True, "owner"),
    ("insights.view", Subject("slack", "U0OFFICER"), None, True, "officer"),
    ("insights.view", Subject("slack", "UEVE"), None, False, "not_officer"),
    ("occurrence.act", Subject("slack", "UBO", "D0BO"), CHANNEL, True, "member"),
    ("occurrence.act", Subject("slack", "UEVE", "D0EVE"), CHANNEL, False, "not_member"),
    ("occurrence.act", Subject("slack", "UEVE", "C0TEAMB"), CHANNEL, False, "not_member"),
    ("occurrence.act", Subject("slack", "U0LEAD", "D0LEAD"), CHANNEL, True, "lead"),
    ("occurrence.act", Subject("slack", "U0OFFICER", "D0"), CHANNEL, False, "not_member"),
    ("occurrence.act", Subject("teams", "aad-eve", "19:b@thread.tacv2;messageid=17"), CHANNEL,
     True, "member"),
    ("occurrence.act", Subject("teams", "aad-eve", "a:1on1"), CHANNEL, False, "not_member"),
    ("occurrence.act", Subject("console", "local"), CHANNEL, True, "local"),
    ("occurrence.act", Subject("slack", "UEVE"), PEOPLE, True, "assignees_checked_by_routines"),
    ("request.act", Subject("slack", "UEVE", "D0EVE"), ClientAudience("open"), True,
     "no_channels"),
    ("request.act", Subject("slack", "UEVE", "D0EVE"), ClientAudience("acme", ("C0ACME",)),
     False, "not_member"),  # more cases in test_desk_rules.py
    ("request.view", Subject("slack", "U0OFFICER"), None, True, "officer"),
    ("request.view", Subject("slack", "UEVE"), None, False, "not_lead"),
    ("occurrence.list", Subject("teams", "aad-eve"), None, True, "authenticated"),
    ("overdue.view", Subject("slack", "UEVE"), None, True, "authenticated"),
    ("web.link", Subject("slack", "UEVE"), None, True, "authenticated"),
    ("training.report", Subject("slack", "U0OFFICER"), None, True, "officer"),
    ("training.report", Subject("slack", "U0DPO"), "quiz", True, "officer"),
    ("training.report", Subject("slack", "U0TEAMLEAD"), "quiz", True, "lead"),
    ("training.report", Subject("slack", "U0TEAMLEAD"), None, False, "not_lead"),  # not all
    ("training.report", Subject("slack", "U0TEAMLEAD"), "other-quiz", False, "not_lead"),
    ("training.report", Subject("teams", "U0TEAMLEAD"), "quiz", False, "not_lead"),
    ("training.report", Subject("slack", "UBO"), "quiz", False, "not_lead"),  # a trainee
    ("training.report", Subject("slack", "U0LEAD"), "retention", False, "not_lead"),
    ("training.take", Subject("slack", "UEVE"), PEOPLE, True, "assignees_checked_by_routines"),
    ("training.take", Subject("slack", "UBO", "D0BO"), CHANNEL, True, "member"),
    ("training.take", Subject("slack", "UEVE", "D0EVE"), CHANNEL, False, "not_member"),
    ("training.take", Subject("slack", "U0LEAD", "D0LEAD"), CHANNEL, False, "not_member"),
    ("training.take", Subject("console", "local"), CHANNEL, True, "local"),
    ("chat.use", Subject("slack", "UEVE"), None, True, "authenticated"),
    ("chat.use", Subject("slack", "UEVE", member=None), None, True, "authenticated"),  # unknown
    ("chat.use", Subject("teams", "aad-eve", authenticated=False), None, True, "authenticated"),
    ("something.new", Subject("slack", "U0OFFICER"), None, False, "unknown_action"),
]  # fmt: skip

UNSIGNED_OFFICER = Subject("teams", "6f1c0e2a-0000-4b5c-9d8e-000000000001", authenticated=False)


@pytest.mark.parametrize(("action", "subject", "resource", "allowed", "reason"), CASES)
async def test_the_policy_decides(
    policy: Policy, action: str, subject: Subject, resource: object, allowed: bool, reason: str
) -> None:
    decision = await policy.check(action, subject, resource)
    assert (decision.allowed, decision.reason) == (allowed, reason)


@pytest.mark.parametrize("action", sorted(set(RULES) - {"chat.use"}))
async def test_an_unauthenticated_subject_is_refused_every_action_even_an_officer(
    policy: Policy, action: str
) -> None:
    resource = CHANNEL if action == "occurrence.act" else ClientAudience("open")
    decision = await policy.check(action, UNSIGNED_OFFICER, resource)
    assert (decision.allowed, decision.reason) == (False, "unauthenticated")


EXTERNAL_OFFICER = Subject("slack", "U0OFFICER", "C0TEAMB", member=False)


@pytest.mark.parametrize("action", sorted(RULES))
async def test_an_external_person_is_refused_every_action_even_one_named_as_officer(
    policy: Policy, action: str
) -> None:
    resource = CHANNEL if action == "occurrence.act" else ClientAudience("open")
    decision = await policy.check(action, EXTERNAL_OFFICER, resource)
    assert (decision.allowed, decision.reason) == (False, "external")


def test_the_external_refusal_is_swedish_then_english() -> None:
    text = refusal_text(Decision(False, "external"), "en") or ""
    assert text.index("egna medarbetare") < text.index("own staff")


def test_every_rule_has_a_case() -> None:
    assert set(RULES) <= {case[0] for case in CASES}


async def test_an_unresolved_email_matches_nobody() -> None:
    policy = Policy(officers=["dpo@example.se"])  # no directory can vouch for it
    assert await policy.resolve() == 0
    assert not await policy.check("report.export", Subject("teams", "dpo@example.se".upper()))
    assert policy.ids_of("teams", "aad-1") == {"aad-1"}


async def test_a_roster_that_cannot_be_read_refuses() -> None:
    policy = Policy(directories={"slack": StaticDirectory()})  # knows no channel
    decision = await policy.check("occurrence.act", Subject("slack", "UBO"), CHANNEL)
    assert not decision
