"""Who may do what: THE authorisation policy every feature and page asks.

One table, `RULES`, maps an action name to the rule deciding it. A feature asks
`await policy.check(action, subject, resource)` and gets a `Decision`; nothing else in the
bot compares identities with settings. To add an action (a new feature): write a rule
`async def _rule(policy, subject, resource) -> Decision` here and add its row to `RULES`.

Identities are platform ids only (`Subject`: platform + the user id the platform's signed
payload carried). An e-mail address named in settings or the catalogue is never compared
with a profile field sent at request time: `resolve()` (once, at start) asks each
platform's own directory (`bot.chat.ports.Directory`: Slack `users.lookupByEmail`) for the
user id behind it; where no directory can answer (Teams), name people by their AAD object
id instead (a warning at start says which entries were not resolved).

Roles:
- **officer**: listed in `GDPRBOT_COMPLIANCE_OFFICERS`;
- **owner**: an article owner (insights only);
- **lead**: named in a routine's `assignees.people` or `escalate.to`; of a training
  campaign only `escalate.to` (its assignees are the people being trained);
- **channel member**: in a channel a routine posts to, per the platform's roster (Slack
  `conversations.members`, cached briefly), or acting from inside that channel on a
  platform whose channel messages only members can send (Teams).

Unauthenticated requests (Teams with `GDPRBOT_TEAMS_INSECURE_DEV`: anyone on the machine
can post an unsigned activity naming any user) are a development mode: `check` refuses
every action in `RULES` for them (reason `unauthenticated`) before any rule runs, so
questions and answers work but routine actions, reports, insights, web links and desk
requests are never served. `refusal_text` is the words every feature shows for that.

External people (`Subject.member` False: a Slack guest or Slack Connect member of another
organisation, a Teams guest or a member of another tenant, as the platform's own directory
says) are refused every action (reason `external`), `chat.use` included: the pipeline asks
that for every message and click, so they get no answers from the internal knowledge base
and write no evidence; `refusal_text` says, in Swedish then English, that the bot serves the
company's own staff. Where the platform did not say (`member` None: the lookup failed),
today's behaviour stands: the person is treated as the organisation's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.authz.decisions import EXTERNAL, UNAUTHENTICATED, Decision
from bot.chat.messages import Incoming
from bot.chat.ports import Directory

log = logging.getLogger(__name__)

# Platforms where an activity from inside a channel proves membership (the platform only
# delivers channel activities from its members), and the trusted local console.
CHANNEL_PROVES_MEMBERSHIP: Final = frozenset({"teams"})
LOCAL_PLATFORMS: Final = frozenset({"console"})
# Actions an unauthenticated request may still take (the insecure development mode answers
# questions); an external person may take none.
OPEN_WHEN_UNAUTHENTICATED: Final = frozenset({"chat.use"})


@dataclass(frozen=True)
class Subject:
    """Who asks: the platform and its user id, and the conversation the request came from."""

    platform: str
    user_id: str
    conversation_id: str | None = None
    authenticated: bool = True  # the platform proved who sent the request
    # Of the organisation (True), external: a guest or another organisation's (False), or
    # the platform did not say (None: treated as today, as the organisation's).
    member: bool | None = None

    @classmethod
    def of(cls, incoming: Incoming) -> Subject:
        """Who sent `incoming`: platform ids only (never a name or e-mail)."""
        return cls(
            incoming.platform,
            incoming.user_id,
            incoming.conversation.conversation_id,
            authenticated=incoming.authenticated,
            member=incoming.member,
        )


@dataclass(frozen=True)
class ChannelAudience:
    """An occurrence as the policy sees it (routines.service.Audience has this shape)."""

    routine_id: str
    anyone_in_channel: bool
    channels: tuple[tuple[str, str], ...]  # (platform, channel id)


@dataclass(frozen=True)
class ClientAudience:
    """A client of the rights-request desk as the policy sees it (clients.Client's
    id, channels and team leads: `slack:U…` / `teams:<AAD id>` or a bare id)."""

    client_id: str
    channels: tuple[str, ...] = ()
    team_leads: tuple[str, ...] = ()
    # Acting on one request: (platform, user id) of whoever registered it. They may forward
    # it from anywhere, e.g. from the 1:1 chat their reminder came to (on Teams a click
    # there does not prove membership of the client's channel).
    registrant: tuple[str, str] | None = None

    def leads(self, platform: str) -> frozenset[str]:
        """The lead ids that count on `platform` (a bare id counts on any)."""
        found = set()
        for lead in self.team_leads:
            where, sep, user_id = lead.partition(":")
            if not sep:
                found.add(_norm(lead))
            elif where == platform:
                found.add(_norm(user_id))
        return frozenset(found)


Rule = Callable[["Policy", Subject, Any], Awaitable[Decision]]


def _norm(value: str) -> str:
    return value.strip().lower()


class Policy:
    """The roles of this installation and the platforms' directories; see `RULES`."""

    def __init__(
        self,
        *,
        officers: Iterable[str] = (),
        owners: Iterable[str] = (),
        leads: Mapping[str, Iterable[tuple[str, str]]] | None = None,
        directories: Mapping[str, Directory] | None = None,
        training_leads: Mapping[str, Iterable[tuple[str, str]]] | None = None,
    ) -> None:
        self.officers = frozenset(_norm(o) for o in officers if o.strip())
        self.owners = frozenset(_norm(o) for o in owners if o.strip())
        # routine id -> (platform, address) of the people who lead it
        self.leads = {
            routine: frozenset((p, _norm(a)) for p, a in people)
            for routine, people in (leads or {}).items()
        }
        # training routine id -> (platform, address) of its team leads (`escalate.to`)
        self.training_leads = {
            routine: frozenset((p, _norm(a)) for p, a in people)
            for routine, people in (training_leads or {}).items()
        }
        self.directories = dict(directories or {})
        # e-mail -> the (platform, user id) pairs a platform directory vouched for
        self._aliases: dict[str, frozenset[tuple[str, str]]] = {}
        # the same, with the ids as the platform wrote them (to address people: Slack ids
        # are upper case, while comparisons above are made in lower case)
        self._people: dict[str, tuple[tuple[str, str], ...]] = {}

    # --- identities ---------------------------------------------------------------------

    async def resolve(self) -> int:
        """Resolve every e-mail address in the roles to platform ids (once, at start)."""
        emails = {a for a in self.officers | self.owners if "@" in a}
        emails |= {a for people in self.leads.values() for _, a in people if "@" in a}
        emails |= {a for people in self.training_leads.values() for _, a in people if "@" in a}
        unresolved = 0
        for email in sorted(emails):
            found: set[tuple[str, str]] = set()
            people: list[tuple[str, str]] = []
            for platform, directory in self.directories.items():
                user_id = await directory.user_by_email(email)
                if user_id:
                    found.add((platform, _norm(user_id)))
                    people.append((platform, user_id.strip()))
            self._aliases[email] = frozenset(found)
            self._people[email] = tuple(people)
            unresolved += not found
        if unresolved:
            log.warning(
                "authorisation: e-mail addresses in the roles no platform directory resolved; "
                "name those people by platform id (Teams: AAD object id)",
                extra={"unresolved": unresolved},
            )
        return len(emails) - unresolved

    def people_of(self, email: str) -> tuple[tuple[str, str], ...]:
        """(platform, user id) of the person a role's e-mail address names, as resolved at
        start (none before `resolve`, or when no directory knew the address); for
        features that must reach people the settings name by address."""
        return self._people.get(_norm(email), ())

    def ids_of(self, platform: str, user_id: str) -> frozenset[str]:
        """The role entries that name this person: their user id and the e-mail addresses
        a directory resolved to it."""
        uid = _norm(user_id)
        # A user id that looks like an e-mail address is never compared as one.
        found = {uid} if uid and "@" not in uid else set()
        found |= {email for email, ids in self._aliases.items() if (platform, uid) in ids}
        return frozenset(found)

    def is_officer(self, subject: Subject) -> bool:
        return bool(self.ids_of(subject.platform, subject.user_id) & self.officers)

    def is_owner(self, subject: Subject) -> bool:
        return bool(self.ids_of(subject.platform, subject.user_id) & self.owners)

    def leads_routine(self, subject: Subject, routine_id: str) -> bool:
        ids = self.ids_of(subject.platform, subject.user_id)
        return any(p == subject.platform and a in ids for p, a in self.leads.get(routine_id, ()))

    def leads_training(self, subject: Subject, routine_id: str) -> bool:
        ids = self.ids_of(subject.platform, subject.user_id)
        people = self.training_leads.get(routine_id, ())
        return any(p == subject.platform and a in ids for p, a in people)

    async def is_member(self, subject: Subject, platform: str, channel_id: str) -> bool:
        """In the channel by the platform's roster, or acting from inside it where that
        proves membership."""
        if platform != subject.platform:
            return False
        if platform in CHANNEL_PROVES_MEMBERSHIP and _same_channel(
            subject.conversation_id, channel_id
        ):
            return True
        directory = self.directories.get(platform)
        if directory is None:
            return False
        members = await directory.members(channel_id)
        return members is not None and subject.user_id in members

    # --- the one entry ------------------------------------------------------------------

    async def check(self, action: str, subject: Subject, resource: Any = None) -> Decision:
        """THE decision: may `subject` do `action` (on `resource`)? Unknown actions: no."""
        rule = RULES.get(action)
        if rule is None:
            return Decision(False, "unknown_action")
        if subject.member is False:
            return Decision(False, EXTERNAL)
        if not subject.authenticated and action not in OPEN_WHEN_UNAUTHENTICATED:
            return Decision(False, UNAUTHENTICATED)
        return await rule(self, subject, resource)


def _same_channel(conversation_id: str | None, channel_id: str) -> bool:
    """A Teams thread (`19:…;messageid=…`) counts as its channel."""
    if not conversation_id:
        return False
    return conversation_id.split(";", 1)[0] == channel_id.split(";", 1)[0]


# --- the rules ------------------------------------------------------------------------------


async def _officer(policy: Policy, subject: Subject, _: Any) -> Decision:
    if policy.is_officer(subject):
        return Decision(True, "officer")
    return Decision(False, "not_officer")


async def _insights(policy: Policy, subject: Subject, _: Any) -> Decision:
    if policy.is_officer(subject):
        return Decision(True, "officer")
    if policy.is_owner(subject):
        return Decision(True, "owner")
    return Decision(False, "not_officer")


async def _authenticated(policy: Policy, subject: Subject, _: Any) -> Decision:
    """Anyone the platform authenticated; the service then shows only what is theirs."""
    return Decision(True, "authenticated")


async def _occurrence(policy: Policy, subject: Subject, audience: ChannelAudience) -> Decision:
    """Confirm / not applicable / note. Person-assigned occurrences: the routines engine
    checks the named assignees (person keys). Channel-assigned ones: members of one of
    its channels on the subject's platform, or a lead of the routine."""
    if not audience.anyone_in_channel:
        return Decision(True, "assignees_checked_by_routines")
    if subject.platform in LOCAL_PLATFORMS:
        return Decision(True, "local")
    if policy.leads_routine(subject, audience.routine_id):
        return Decision(True, "lead")
    for platform, channel in audience.channels:
        if await policy.is_member(subject, platform, channel):
            return Decision(True, "member")
    return Decision(False, "not_member")


async def _client_desk(policy: Policy, subject: Subject, client: ClientAudience) -> Decision:
    """Register or forward a client's rights request: someone serving that client (a
    member of one of its channels), its team lead, or an officer; a request's own
    registrant may also forward it. A client with no channels is served by everyone."""
    if subject.platform in LOCAL_PLATFORMS:
        return Decision(True, "local")
    if policy.is_officer(subject):
        return Decision(True, "officer")
    if _norm(subject.user_id) in client.leads(subject.platform):
        return Decision(True, "lead")
    if _is_registrant(subject, client.registrant):
        return Decision(True, "registrant")
    if not client.channels:
        return Decision(True, "no_channels")
    for channel in client.channels:
        if await policy.is_member(subject, subject.platform, channel):
            return Decision(True, "member")
    return Decision(False, "not_member")


def _is_registrant(subject: Subject, registrant: tuple[str, str] | None) -> bool:
    if registrant is None:
        return False
    platform, user_id = registrant
    return platform == subject.platform and _norm(user_id) == _norm(subject.user_id)


async def _client_oversight(
    policy: Policy, subject: Subject, client: ClientAudience | None
) -> Decision:
    """See a client's register (open requests, the per-client report): its team lead or
    an officer; `None` (every client) only an officer."""
    if policy.is_officer(subject):
        return Decision(True, "officer")
    if client is not None and _norm(subject.user_id) in client.leads(subject.platform):
        return Decision(True, "lead")
    return Decision(False, "not_lead")


async def _training_report(policy: Policy, subject: Subject, routine_id: str | None) -> Decision:
    """The training report: every campaign (`None`) an officer only; one campaign
    (a training routine id) an officer or its team lead (named in its `escalate.to`)."""
    if policy.is_officer(subject):
        return Decision(True, "officer")
    if routine_id is not None and policy.leads_training(subject, routine_id):
        return Decision(True, "lead")
    return Decision(False, "not_lead")


async def _training_take(policy: Policy, subject: Subject, audience: ChannelAudience) -> Decision:
    """Start a campaign's quiz: named people are checked by the routines engine (the
    person's own assignment, their attempt bound to their key); an audience by channel,
    members of one of its channels on the subject's platform. Leads and officers do not
    take others' quizzes."""
    if not audience.anyone_in_channel:
        return Decision(True, "assignees_checked_by_routines")
    if subject.platform in LOCAL_PLATFORMS:
        return Decision(True, "local")
    for platform, channel in audience.channels:
        if await policy.is_member(subject, platform, channel):
            return Decision(True, "member")
    return Decision(False, "not_member")


# action -> rule. Add a row (and its rule above) for every new action a feature offers.
RULES: Final[dict[str, Rule]] = {
    "chat.use": _authenticated,  # every message and click (the pipeline asks, once)
    "occurrence.act": _occurrence,  # ack / na / note and their buttons (resource: audience)
    "occurrence.list": _authenticated,  # `routines`: the service lists the person's own
    "overdue.view": _authenticated,  # `overdue`: the service decides officer / lead / none
    "web.link": _authenticated,  # `web`: bot/web/access.py decides officer / lead / none
    "report.export": _officer,  # `report` in chat, report downloads
    "insights.view": _insights,  # `insights` in chat and the insights page
    "request.act": _client_desk,  # register / forward a rights request (resource: client)
    "request.view": _client_oversight,  # a client's register (resource: client or None)
    "training.report": _training_report,  # `rapport utbildning` (resource: routine id or None)
    "training.take": _training_take,  # a campaign's quiz (resource: its ChannelAudience)
}
