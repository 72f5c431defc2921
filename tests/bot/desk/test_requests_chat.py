"""`begäran` / `request` and `vidarebefordrad` / `forwarded` in chat, on a built bot."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.app import Services, build_services
from knowledge import KnowledgeBase
from tests.bot.desk.conftest import (
    HEMLADAN_SLACK,
    SOLVINGE_TEAMS,
    clicked,
    desk_settings,
    said,
)


def _count(bot: Services, sql: str) -> int:
    with bot.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def _code(reply_text: str) -> str:
    return reply_text.split("*")[1]


async def test_a_request_typed_in_full_is_registered_with_script_controller_and_deadline(
    bot: Services,
) -> None:
    (reply,) = await bot.conversation.handle(said("begäran solvinge radering #SV-991"))

    assert reply.text.startswith("✅ Begäran *")
    assert "radering (art. 17) för Solvinge Resor AB" in reply.text
    assert "Säg till den som ringer:* Det är Solvinge Resor AB som är" in reply.text
    assert "Solvinge Resor AB (org.nr 556000-0001) (dataskydd@solvinge.example" in reply.text
    assert "Skriv inga namn" in reply.text
    assert [b.label for b in reply.buttons] == [
        "Vidarebefordrad (e-post)", "Vidarebefordrad (webbformulär)",
    ]  # fmt: skip
    with bot.engine.connect() as conn:
        row = conn.execute(text("select client_id, kind, client_ref from rights_requests")).one()
    assert tuple(row) == ("solvinge", "erasure", "SV-991")


async def test_in_a_clients_channel_the_client_is_known_and_english_words_answer_in_english(
    bot: Services,
) -> None:
    (reply,) = await bot.conversation.handle(
        said("request access", platform="teams", user="aad-1", conversation=SOLVINGE_TEAMS)
    )

    assert reply.text.startswith("✅ Request *")
    assert "access (Art. 15) for Solvinge Resor AB" in reply.text


async def test_what_is_missing_is_asked_with_buttons_and_the_last_click_registers(
    bot: Services,
) -> None:
    (which_client,) = await bot.conversation.handle(said("begäran"))
    assert which_client.text == "Vilken kund gäller begäran?"

    (which_type,) = await bot.conversation.handle(
        clicked(which_client, "Hemlådan", message_id="m1")
    )
    assert which_type.text.startswith("Vad begär den som ringer?")

    (done,) = await bot.conversation.handle(clicked(which_type, "registerutdrag", message_id="m2"))
    assert done.text.startswith("✅ Begäran *")
    assert "registerutdrag (art. 15) för Hemlådan Nordic AB" in done.text
    assert _count(bot, "select count(*) from rights_requests") == 1


async def test_the_same_button_clicked_twice_registers_once(bot: Services) -> None:
    (which_type,) = await bot.conversation.handle(said("begäran hemladan"))

    (first,) = await bot.conversation.handle(clicked(which_type, "radering", message_id="m9"))
    (second,) = await bot.conversation.handle(clicked(which_type, "radering", message_id="m9"))

    assert second.text.startswith(f"Begäran *{_code(first.text)}* var redan registrerad")
    assert _count(bot, "select count(*) from rights_requests") == 1
    assert _count(bot, "select count(*) from ledger_entries "
                       "where event = 'request.registered'") == 1  # fmt: skip


async def test_forwarded_is_recorded_once_with_how(bot: Services) -> None:
    (registered,) = await bot.conversation.handle(said("begäran hemlådan invändning"))

    (first,) = await bot.conversation.handle(clicked(registered, "telefon"))
    (again,) = await bot.conversation.handle(clicked(registered, "e-post"))

    code = _code(registered.text)
    assert first.text.startswith(f"📨 Begäran *{code}* (Hemlådan Nordic AB, invändning")
    assert "via telefon" in first.text and "i tid" in first.text
    assert again.text.startswith(f"Begäran *{code}* var redan vidarebefordrad")
    with bot.engine.connect() as conn:
        via = conn.execute(text("select forwarded_via from rights_requests")).scalar_one()
    assert via == "phone"


async def test_forwarded_can_be_typed_with_the_code(bot: Services) -> None:
    (registered,) = await bot.conversation.handle(said("begäran solvinge rättelse"))
    code = _code(registered.text)

    (reply,) = await bot.conversation.handle(said(f"vidarebefordrad {code} e-post"))
    (unknown,) = await bot.conversation.handle(said("vidarebefordrad zzzzzz"))

    assert reply.text.startswith(f"📨 Begäran *{code}*")
    assert unknown.text == "Jag hittar ingen begäran zzzzzz."


async def test_a_slack_user_outside_the_clients_channel_is_refused(bot: Services) -> None:
    """Without a Slack roster saying otherwise, a DM from an unknown user is not someone
    serving Hemlådan (a client with channels)."""
    (reply,) = await bot.conversation.handle(
        said("begäran hemlådan radering", platform="slack", user="U0EVE", conversation="D0EVE")
    )

    assert reply.text.startswith("Du kan inte registrera")
    assert _count(bot, "select count(*) from rights_requests") == 0


async def test_the_clients_team_lead_and_an_officer_may_act_from_anywhere(
    bot: Services,
) -> None:
    (lead,) = await bot.conversation.handle(
        said("begäran hemlådan radering", platform="slack", user="U05HEMLEAD",
             conversation="D0LEAD")
    )  # fmt: skip
    (officer,) = await bot.conversation.handle(
        said("begäran hemlådan radering", platform="slack", user="U0OFFICER",
             conversation=HEMLADAN_SLACK)
    )  # fmt: skip

    assert lead.text.startswith("✅") and officer.text.startswith("✅")


async def test_without_a_client_directory_the_desk_says_so(
    tmp_path: Path, desk_knowledge: KnowledgeBase
) -> None:
    services = build_services(
        desk_settings(tmp_path, clients_files=""), knowledge_base=desk_knowledge
    )
    try:
        (reply,) = await services.conversation.handle(said("begäran radering"))
    finally:
        await services.close()

    assert "ingen kundkatalog" in reply.text


async def test_the_bot_checks_for_late_requests_on_its_one_scheduler(bot: Services) -> None:
    assert bot.scheduler.get_job("rights-requests") is not None


async def test_the_clients_team_lead_lists_its_open_requests_late_ones_marked(
    bot: Services,
) -> None:
    (old,) = await bot.conversation.handle(said("begäran hemlådan radering 2026-11-02"))
    await bot.conversation.handle(said("begäran solvinge radering"))

    (listed,) = await bot.conversation.handle(
        said("begäranden hemlådan", platform="slack", user="U05HEMLEAD", conversation="D0L")
    )
    (agent,) = await bot.conversation.handle(
        said("begäranden hemlådan", platform="slack", user="U0AGENT", conversation="D0A")
    )
    (everything,) = await bot.conversation.handle(
        said("begäranden", platform="slack", user="U05HEMLEAD", conversation="D0L")
    )

    assert listed.text.startswith("*Öppna begäranden (1)*")
    assert f"*{_code(old.text)}* Hemlådan Nordic AB" in listed.text and "försenad" in listed.text
    assert "Solvinge" not in listed.text
    assert agent.text.startswith("Öppna begäranden visas för")
    assert everything.text.startswith("Öppna begäranden visas för")  # every client: officers
