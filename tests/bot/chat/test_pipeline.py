"""The pipeline every front end shares: claim once, identify, count, converse."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.chat.messages import ConversationRef, Incoming, Reply
from bot.chat.metrics import REGISTRY
from bot.chat.pipeline import Pipeline
from bot.chat.ports import Reference

NOW = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


class Echo:
    """A conversation that says who asked (name and e-mail, as identified)."""

    def __init__(self) -> None:
        self.handled: list[Incoming] = []

    async def handle(self, incoming: Incoming) -> list[Reply]:
        self.handled.append(incoming)
        return [Reply(text=f"{incoming.display_name}:{incoming.text}")]

    def help_reply(self, lang: str, *, console: bool = False) -> Reply:
        return Reply(text="help")

    def greeting(self, lang: str | None = None) -> list[Reply]:
        return []

    async def home(self, incoming: Incoming, lang: str | None = None) -> list[Reply]:
        return []


class MemoryClaims:
    def __init__(self, *, broken: bool = False) -> None:
        self.claimed: set[tuple[str, str]] = set()
        self.remembered: list[tuple[Reference, datetime]] = []
        self.broken = broken

    async def claim(
        self, platform: str, key: str | None, now: datetime, *, remember: Sequence[Reference] = ()
    ) -> bool:
        if self.broken:
            raise ConnectionError("database down")
        if key is not None and (platform, key) in self.claimed:
            return False
        if key is not None:
            self.claimed.add((platform, key))
        self.remembered.extend((ref, now) for ref in remember)
        return True


def said(text: str, platform: str = "slack") -> Incoming:
    return Incoming(
        platform=platform,  # type: ignore[arg-type]
        user_id="U1",
        text=text,
        conversation=ConversationRef(platform, "D1"),  # type: ignore[arg-type]
    )


def pipeline(claims: MemoryClaims, conversation: Echo | None = None) -> Pipeline:
    return Pipeline(conversation or Echo(), claims, clock=lambda: NOW, default_language="en")


async def test_a_claimed_event_is_answered_once() -> None:
    run = pipeline(MemoryClaims()).run

    assert await run(said("hej"), "message", claim="Ev1") == [Reply(text="None:hej")]
    assert await run(said("hej"), "message", claim="Ev1") is None  # the retry


async def test_without_a_key_nothing_is_claimed_and_every_delivery_is_answered() -> None:
    claims = MemoryClaims()
    run = pipeline(claims).run

    assert await run(said("hej"), "command") and await run(said("hej"), "command")
    assert claims.claimed == set()


async def test_references_are_kept_with_the_claim_at_the_pipelines_time() -> None:
    claims = MemoryClaims()
    ref = Reference("teams", "person", "aad-anna", "a:1", personal=True)

    await pipeline(claims).run(said("hej", "teams"), "message", claim="A1", remember=[ref])

    assert claims.remembered == [(ref, NOW)]


async def test_the_sender_is_identified_before_the_conversation() -> None:
    async def identify(incoming: Incoming) -> Incoming:
        return dataclasses.replace(incoming, display_name="Anna")

    replies = await pipeline(MemoryClaims()).run(said("hej"), "message", identify=identify)

    assert replies == [Reply(text="Anna:hej")]


async def test_a_database_failure_while_claiming_a_click_is_a_private_apology() -> None:
    conversation = Echo()
    errors = REGISTRY.get_sample_value("gdprbot_errors_total", {"kind": "database"}) or 0.0

    replies = await pipeline(MemoryClaims(broken=True), conversation).run(
        said("hej"), "action", claim="Ev2"
    )

    assert replies is not None and len(replies) == 1
    assert replies[0].private and "went wrong" in replies[0].text
    assert conversation.handled == []  # nothing happened, so trying again is safe
    assert REGISTRY.get_sample_value("gdprbot_errors_total", {"kind": "database"}) == errors + 1


async def test_a_message_is_answered_when_the_database_cannot_claim_it() -> None:
    conversation = Echo()

    replies = await pipeline(MemoryClaims(broken=True), conversation).run(
        said("hej"), "message", claim="Ev3"
    )

    assert replies is not None and [r.text for r in replies] == ["None:hej"]
    assert len(conversation.handled) == 1


async def test_every_request_is_counted_by_platform_and_kind() -> None:
    labels = {"platform": "console", "kind": "message"}
    before = REGISTRY.get_sample_value("gdprbot_requests_total", labels) or 0.0

    await pipeline(MemoryClaims()).run(said("hej", "console"), "message")

    assert REGISTRY.get_sample_value("gdprbot_requests_total", labels) == before + 1


async def test_a_sender_the_gate_refuses_gets_its_replies_and_the_conversation_is_not_asked() -> (
    None
):
    conversation = Echo()
    gated = pipeline(MemoryClaims(), conversation)
    run = gated.run

    async def refuse_outsiders(incoming: Incoming) -> list[Reply] | None:
        return None if incoming.member is not False else [Reply(text="no", private=True)]

    async def identify(incoming: Incoming) -> Incoming:
        return dataclasses.replace(incoming, member=incoming.user_id != "UEXT")

    gated.gate = refuse_outsiders
    outsider = dataclasses.replace(said("hej"), user_id="UEXT")

    assert await run(outsider, "message", identify=identify) == [Reply(text="no", private=True)]
    assert await run(said("hej"), "message", identify=identify) == [Reply(text="None:hej")]
    assert [incoming.user_id for incoming in conversation.handled] == ["U1"]
