"""Who sent a Teams activity, asked of Teams: their e-mail address and whether they are
the organisation's (not a guest, not another tenant's). Kept in memory, per process."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema.teams import TeamsChannelAccount

from bot.platforms.teams.activities import tenant_id_of

log = logging.getLogger(__name__)


class MemberEmails:
    """The sender's e-mail address, asked of Teams once per user and kept in memory.

    Activities carry no e-mail address, but the routine catalogue may name people by
    one, and confirming a routine must match them; Teams' member lookup
    (GET /v3/conversations/{id}/members/{user}) knows it. Failures (the Emulator, a
    missing permission) mean "unknown", never an error. The bot records a found
    address in the people table (the one place for identities), nowhere else.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._known: dict[str, str | None] = {}
        # user id -> the organisation's (True), a guest or another tenant's (False)
        self._members: dict[str, bool] = {}
        self._limit = limit

    def member(self, turn_context: TurnContext) -> bool | None:
        """Whether the sender is the organisation's, from the lookup `lookup` made (None:
        it failed or was not made; the policy then treats them as before, as a member)."""
        return self._members.get(getattr(turn_context.activity.from_property, "id", None) or "")

    def knows(self, user_id: str | None) -> bool:
        return user_id in self._known

    async def lookup(self, turn_context: TurnContext) -> str | None:
        sender = turn_context.activity.from_property
        user_id = getattr(sender, "id", None)
        if not user_id:
            return None
        if user_id in self._known:
            return self._known[user_id]
        try:
            member = await TeamsInfo.get_member(turn_context, user_id)
        except Exception as error:
            log.info("teams member lookup failed", extra={"error": type(error).__name__})
            return None
        email = member.email or member.user_principal_name or None
        email = email if email and "@" in email else None
        if len(self._known) >= self._limit:
            oldest = next(iter(self._known))
            self._known.pop(oldest)
            self._members.pop(oldest, None)
        self._known[user_id] = email
        self._members[user_id] = is_member(member, tenant_id_of(turn_context.activity.serialize()))
        return email


def is_member(account: TeamsChannelAccount, tenant: str | None) -> bool:
    """A member lookup's person is the organisation's: not a guest (`userRole` "guest",
    or "anonymous" in a meeting) and, where both are known, of the activity's tenant (a
    shared channel's people from another organisation are of theirs)."""
    if (account.user_role or "").lower() in ("guest", "anonymous"):
        return False
    theirs = (account.tenant_id or "").lower()
    return not (theirs and tenant and theirs != tenant.lower())
