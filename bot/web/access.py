"""Who may open the web pages, and what they see there: THE access decision of bot/web.

Every page asks `web_access(identity, roles, ids)` (through `WebPolicy.decide`); nothing
else in bot/web decides who sees what. The identities it compares come from the project's
one authorisation policy (`bot.authz.Policy.ids_of`): the person's platform user id and
the e-mail addresses a platform directory resolved to that id at start, never an e-mail
address or name the platform or the people table reported.

Roles, from settings and the routine catalogue:

- **Compliance officer**: the person's platform user id (or an e-mail address resolved to
  it) is listed in `GDPRBOT_COMPLIANCE_OFFICERS`. Sees everything: every routine and team,
  insights, downloads.
- **Team lead**: the catalogue names the person (a person target on their platform, by
  user id or a resolved e-mail address) in a routine's `assignees.people` or
  `escalate.to`. A
  routine's *team* is the first channel it posts to (`post_to`, as in the reports). A team
  lead sees the routines they lead plus every other routine of those routines' teams,
  and nothing else: no insights, no downloads (reports stay with the officers, as in chat).
- Anyone else gets no access (no sign-in link either).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from bot.authz import Policy
from routines.service import Routine, Target

Role = Literal["officer", "lead"]
# Pages only officers open; every other page is open to a team lead for their teams.
OFFICER_PAGES: Final = frozenset({"insights", "downloads"})


@dataclass(frozen=True)
class Identity:
    """A signed-in person as the people table knows them (never taken from a request)."""

    person_key: str
    platform: str
    user_id: str
    email: str | None
    name: str

    def ids(self) -> frozenset[str]:
        """The platform user id alone (an e-mail address is never trusted as an identity)."""
        return frozenset({self.user_id.strip().lower()} if self.user_id else ())


@dataclass(frozen=True)
class Access:
    """What one person may see: a role, and the routines and teams of a team lead."""

    role: Role
    routines: frozenset[str] | None = None  # None: every routine (an officer)
    teams: frozenset[str] = frozenset()

    @property
    def officer(self) -> bool:
        return self.role == "officer"

    def may_open(self, page: str) -> bool:
        return self.officer or page not in OFFICER_PAGES

    def may_see_routine(self, routine_id: str) -> bool:
        return self.routines is None or routine_id in self.routines

    def may_see_team(self, team: str) -> bool:
        return self.officer or team in self.teams

    def visible(self, routine_ids: Iterable[str]) -> frozenset[str]:
        """The routine ids among `routine_ids` this person may see."""
        return frozenset(r for r in routine_ids if self.may_see_routine(r))


@dataclass(frozen=True)
class Roles:
    """The inputs of the decision, from settings and the catalogue."""

    officers: frozenset[str]  # lower-cased platform ids and e-mail addresses
    leads: Mapping[str, tuple[Target, ...]]  # routine id -> the people who lead it
    teams: Mapping[str, str]  # routine id -> its team ("" when it posts to no channel)


def web_access(
    identity: Identity, roles: Roles, ids: frozenset[str] | None = None
) -> Access | None:
    """THE decision: officer, team lead (of which routines and teams), or None. `ids` are
    the role entries naming the person (`Policy.ids_of`); by default the user id alone."""
    ids = identity.ids() if ids is None else ids
    if ids & roles.officers:
        return Access("officer")
    led = {
        routine_id
        for routine_id, targets in roles.leads.items()
        if any(_names(target, identity.platform, ids) for target in targets)
    }
    if not led:
        return None
    teams = frozenset(roles.teams.get(r, "") for r in led) - {""}
    routines = led | {r for r, team in roles.teams.items() if team in teams}
    return Access("lead", frozenset(routines), teams)


def _names(target: Target, platform: str, ids: frozenset[str]) -> bool:
    return (
        target.kind == "person"
        and target.platform == platform
        and target.address.strip().lower() in ids
    )


def roles_from(
    officers: Iterable[str], routines: Iterable[Routine], teams: Mapping[str, str]
) -> Roles:
    """Roles from `GDPRBOT_COMPLIANCE_OFFICERS`, the catalogue and each routine's team."""
    leads = {}
    for routine in routines:
        targets = tuple(routine.assignees.people) + (
            tuple(routine.escalate.to) if routine.escalate is not None else ()
        )
        people = tuple(t for t in targets if t.kind == "person")
        if people:
            leads[routine.id] = people
    return Roles(
        officers=frozenset(o.strip().lower() for o in officers if o.strip()),
        leads=leads,
        teams=dict(teams),
    )


class WebPolicy:
    """`web_access` over the roles of this installation (built once by the composition root)."""

    def __init__(self, roles: Roles, authz: Policy | None = None) -> None:
        self.roles = roles
        self.authz = authz

    def decide(self, identity: Identity) -> Access | None:
        ids = (
            self.authz.ids_of(identity.platform, identity.user_id)
            if self.authz is not None
            else None
        )
        return web_access(identity, self.roles, ids)

    def team_of(self, routine_id: str) -> str:
        return self.roles.teams.get(routine_id, "")

    def routines_of_team(self, team: str) -> frozenset[str]:
        return frozenset(r for r, t in self.roles.teams.items() if t == team)
