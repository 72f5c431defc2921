"""The policy of one installation, from its roles (settings, catalogue, knowledge base)
and the platforms' directories (each front end that has one exposes it as `directory`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.authz.decisions import refusal_text
from bot.authz.policy import Policy, Subject
from bot.chat.messages import Incoming, Reply
from bot.chat.pipeline import Gate
from bot.chat.ports import Directory
from routines.service import Routine


def leads_of(routines: Iterable[Routine]) -> dict[str, list[tuple[str, str]]]:
    """routine id -> the (platform, address) of the people it names (assignees, escalation).
    A training campaign's assignees are its trainees, not leads: only its escalation counts
    (a trainee must not see the others' results as a lead would)."""
    leads: dict[str, list[tuple[str, str]]] = {}
    for routine in routines:
        assignees = routine.assignees.people if routine.kind != "training" else ()
        targets = tuple(assignees) + (
            tuple(routine.escalate.to) if routine.escalate is not None else ()
        )
        people = [(t.platform, t.address) for t in targets if t.kind == "person"]
        if people:
            leads[routine.id] = people
    return leads


def training_leads_of(routines: Iterable[Routine]) -> dict[str, list[tuple[str, str]]]:
    """training routine id -> the (platform, address) of its team leads: the people its
    `escalate.to` names (its assignees are the trainees, not leads)."""
    leads: dict[str, list[tuple[str, str]]] = {}
    for routine in routines:
        if routine.kind != "training" or routine.escalate is None:
            continue
        people = [(t.platform, t.address) for t in routine.escalate.to if t.kind == "person"]
        if people:
            leads[routine.id] = people
    return leads


def build_policy(
    *,
    officers: Iterable[str],
    owners: Iterable[str],
    routines: Iterable[Routine],
    front_ends: Mapping[str, object],
) -> Policy:
    directories: dict[str, Directory] = {
        platform: directory
        for platform, front_end in front_ends.items()
        if (directory := getattr(front_end, "directory", None)) is not None
    }
    routines = tuple(routines)
    return Policy(
        officers=officers, owners=owners, leads=leads_of(routines), directories=directories,
        training_leads=training_leads_of(routines),
    )  # fmt: skip


def gate(policy: Policy) -> Gate:
    """The pipeline's gate: the policy's `chat.use` for every message and click. Refused
    (an external person): one private reply with the shared refusal, and nothing else is
    done (no answer, nothing logged, nothing recorded)."""

    async def admit(incoming: Incoming) -> list[Reply] | None:
        decision = await policy.check("chat.use", Subject.of(incoming))
        if decision:
            return None
        text = refusal_text(decision, "sv") or ""
        return [Reply(text=text, private=True)]

    return admit
