"""Who may open the web pages, and what they see there: THE access decision of bot/web.

Every page asks `web_access(identity, roles)` (through `WebPolicy.decide`); nothing else in
bot/web decides who sees what, so the project's one authorisation policy can take this
function over when it lands.

Roles, from settings and the routine catalogue (identities are platform ids and the
e-mail address the platform reported, never a name):

- **Compliance officer**: the person's platform user id or e-mail address is listed in
  `GDPRBOT_COMPLIANCE_OFFICERS`. Sees everything: every routine and team, insights,
  downloads.
- **Team lead**: the catalogue names the person (a person target on their platform, by
  user id or e-mail address) in a routine's `assignees.people` or `escalate.to`. A
  routine's *team* is the first channel it posts to (`post_to`, as in the reports). A team
  lead sees the routines they lead plus every other routine of those routines' teams,
  and nothing else: no insights, no downloads (reports stay with the officers, as in chat).
- Anyone else gets no access (no sign-in link either).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

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
        found = {self.user_id.strip().lower()} if self.user_id else set()
        if self.email:
            found.add(self.email.strip().lower())
        return frozenset(found)


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


def web_access(identity: Identity, roles: Roles) -> Access | None:
    """THE decision: officer, team lead (of which routines and teams), or None."""
    ids = identity.ids()
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

    def __init__(self, roles: Roles) -> None:
        self.roles = roles

    def decide(self, identity: Identity) -> Access | None:
        return web_access(identity, self.roles)

    def team_of(self, routine_id: str) -> str:
        return self.roles.teams.get(routine_id, "")

    def routines_of_team(self, team: str) -> frozenset[str]:
        return frozenset(r for r, t in self.roles.teams.items() if t == team)
