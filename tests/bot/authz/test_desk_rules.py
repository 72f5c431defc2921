"""The rights-request desk's rules: `request.act` and `request.view`, as a table of cases."""

from __future__ import annotations

import pytest

from bot.authz import ClientAudience, Policy, Subject
from testing.directory import StaticDirectory

ACME = ClientAudience(
    "acme", ("C0ACME", "19:acme@thread.tacv2"), ("slack:U0LEAD", "teams:aad-lead")
)
OPEN = ClientAudience("open")  # a client with no channels of its own
ONE = ClientAudience("acme", ACME.channels, ACME.team_leads, registrant=("teams", "aad-agent"))


@pytest.fixture
def policy() -> Policy:
    return Policy(
        officers=["U0DPO"],
        directories={"slack": StaticDirectory(members={"C0ACME": {"U0AGENT"}})},
    )


@pytest.mark.parametrize(
    ("subject", "client", "allowed", "reason"),
    [
        (Subject("slack", "U0AGENT", "D0AGENT"), ACME, True, "member"),
        (Subject("slack", "U0EVE", "D0EVE"), ACME, False, "not_member"),
        (Subject("slack", "U0LEAD", "D0LEAD"), ACME, True, "lead"),
        (Subject("teams", "U0LEAD", "a:1"), ACME, False, "not_member"),  # lead on Slack only
        (Subject("teams", "aad-lead", "a:1"), ACME, True, "lead"),
        (Subject("teams", "aad-x", "19:acme@thread.tacv2;messageid=1"), ACME, True, "member"),
        (Subject("slack", "U0DPO", "D0DPO"), ACME, True, "officer"),
        (Subject("console", "local", "console"), ACME, True, "local"),
        (Subject("slack", "U0EVE", "D0EVE"), OPEN, True, "no_channels"),
        (Subject("teams", "aad-agent", "a:agent"), ONE, True, "registrant"),  # its 1:1 chat
        (Subject("teams", "aad-eve", "a:eve"), ONE, False, "not_member"),
        (Subject("slack", "aad-agent", "D0X"), ONE, False, "not_member"),  # another platform
    ],
)
async def test_who_may_register_or_forward_a_clients_request(
    policy: Policy, subject: Subject, client: ClientAudience, allowed: bool, reason: str
) -> None:
    decision = await policy.check("request.act", subject, client)

    assert (decision.allowed, decision.reason) == (allowed, reason)


@pytest.mark.parametrize(
    ("subject", "client", "allowed"),
    [
        (Subject("slack", "U0DPO"), None, True),
        (Subject("slack", "U0LEAD"), ACME, True),
        (Subject("slack", "U0LEAD"), None, False),
        (Subject("slack", "U0AGENT"), ACME, False),
    ],
)
async def test_who_may_see_a_clients_register(
    policy: Policy, subject: Subject, client: ClientAudience | None, allowed: bool
) -> None:
    assert (await policy.check("request.view", subject, client)).allowed is allowed
