"""Chat `report`/`rapport` and `overdue`/`försenade`: roles, summary, file, signed links."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.authz import Policy
from bot.chat.commands import find_command
from bot.chat.conversation import Conversation
from bot.chat.messages import ConversationRef, Incoming, Reply
from bot.features.reports import ReportFeature
from bot.records.report_links import ReportLinkStore
from bot.web import add_report_routes
from knowledge.model import Answer
from routines import ledger
from routines.service import ReportService
from storage.clock import utc_now
from tests.routines import report_scenario as scenario

OFFICER = "U-OFFICER"
OFFICER_EMAIL = "dpo@example.com"
TEAMS_OFFICER = "6f1c0e2a-aaaa-4b5c-9d8e-000000000001"  # an AAD object id
PUBLIC_URL = "https://bot.example.com"


@pytest.fixture
def sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    yield from scenario.sessions(sqlite_url)


@pytest.fixture
def clock() -> list:
    return [scenario.NOW]


@pytest.fixture
def feature(sessions: sessionmaker[Session], clock: list) -> ReportFeature:
    return ReportFeature(
        ReportService(sessions, None, titles=lambda lang: scenario.ROUTINES),
        policy=Policy(officers=[OFFICER, OFFICER_EMAIL.upper(), TEAMS_OFFICER.upper()]),
        links=ReportLinkStore(sessions, PUBLIC_URL),
        clock=lambda: clock[0],
    )


def incoming(
    user_id: str, text: str = "rapport 2027-Q1", platform: str = "slack", email: str | None = None
) -> Incoming:
    return Incoming(
        platform=platform,  # type: ignore[arg-type]
        user_id=user_id,
        text=text,
        conversation=ConversationRef(platform, "C1"),  # type: ignore[arg-type]
        display_name="Someone Secret",
        email=email,
    )


async def ask(feature: ReportFeature, who: Incoming) -> list[Reply]:
    from bot.chat.conversation import split_command

    word, args = split_command(who.text)
    command = find_command(word)
    assert command is not None
    return await feature.on_command(command.name, args, who, "sv")


def last_entry(sessions: sessionmaker[Session]) -> dict:
    with sessions() as s:
        entry = s.scalars(
            select(ledger.LedgerEntry).order_by(ledger.LedgerEntry.seq.desc()).limit(1)
        ).one()
    return json.loads(entry.payload)


# --- who may ask ---------------------------------------------------------------------------


async def test_employee_gets_a_polite_private_refusal(feature: ReportFeature) -> None:
    replies = await ask(feature, incoming("U-k-bo"))
    assert len(replies) == 1
    assert replies[0].private
    assert "dataskyddsombud" in replies[0].text
    assert replies[0].attachment is None


async def test_refusal_is_recorded_in_the_ledger_by_person_key(
    feature: ReportFeature, sessions: sessionmaker[Session]
) -> None:
    await ask(feature, incoming("U-k-bo"))
    entry = last_entry(sessions)
    assert entry["event"] == ledger.REPORT_REFUSED
    assert entry["data"]["person_key"] == scenario.PEOPLE.bo
    assert "Someone Secret" not in json.dumps(entry)


async def test_refusal_log_line_has_no_names(
    feature: ReportFeature, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.features.reports"):
        await ask(feature, incoming("U-stranger"))
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1
    assert "Someone Secret" not in str(vars(refused[0]))
    assert "U-stranger" not in str(vars(refused[0]))


async def test_a_teams_officer_is_recognised_by_aad_object_id_case_insensitively(
    feature: ReportFeature,
) -> None:
    assert feature.is_officer(incoming(TEAMS_OFFICER, platform="teams"))


async def test_an_email_address_in_the_request_does_not_make_an_officer(
    feature: ReportFeature,
) -> None:
    # Entra's `mail` (or any e-mail a payload carries) is not a verified identity.
    assert not feature.is_officer(incoming("aad-123", platform="teams", email=OFFICER_EMAIL))


# --- the officer's report ------------------------------------------------------------------


async def test_officer_gets_summary_and_csv_attachment_in_slack(feature: ReportFeature) -> None:
    summary, file_reply = await ask(feature, incoming(OFFICER))
    assert summary.private and file_reply.private
    assert "25 %" in summary.text or "25%" in summary.text
    assert file_reply.attachment is not None
    assert file_reply.attachment.filename == "gdpr-report-2027-Q1.csv"
    content = file_reply.attachment.content
    assert content.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) == 9


async def test_summary_has_rates_per_routine(feature: ReportFeature) -> None:
    summary = (await ask(feature, incoming(OFFICER)))[0].text
    assert "- Gallring av kunddata: 100% (1/1)" in summary
    assert "- Kontroll av registerutdrag: 0% (0/2), 1 saknas" in summary


async def test_summary_lists_what_is_missing_and_who_to_chase(feature: ReportFeature) -> None:
    summary = (await ask(feature, incoming(OFFICER)))[0].text
    assert "- Kontroll av registerutdrag, 2027-02-01 (förföll 2027-02-08)" in summary
    assert "- GDPR-utbildning, 2027-02-15 (förföll 2027-03-15)" in summary
    chase = summary.split("*Att påminna*")[1]
    assert "- Bo Berg: 1" in chase
    assert "raderad" not in chase and "Anna" not in chase


async def test_report_export_is_recorded_with_the_officer_key(
    feature: ReportFeature, sessions: sessionmaker[Session]
) -> None:
    await ask(feature, incoming(OFFICER))
    entry = last_entry(sessions)
    assert entry["event"] == ledger.REPORT_EXPORTED
    assert entry["data"]["who"] not in ("cli", OFFICER)
    assert len(entry["data"]["who"]) == 32


async def test_format_word_selects_the_file_format(feature: ReportFeature) -> None:
    replies = await ask(feature, incoming(OFFICER, "report html 2027-01"))
    assert replies[1].attachment is not None
    assert replies[1].attachment.filename == "gdpr-report-2027-01.html"


async def test_bad_period_gets_an_explanation(feature: ReportFeature) -> None:
    (reply,) = await ask(feature, incoming(OFFICER, "rapport 2027-Q7"))
    assert reply.private and "2027-Q7" in reply.text


async def test_routed_through_the_conversation(feature: ReportFeature) -> None:
    class NoAnswers:
        def answer(self, question: str, lang: str | None = None) -> Answer:
            raise AssertionError("a command is not a question")

    conversation = Conversation(NoAnswers(), features=[feature], clock=utc_now)
    replies = await conversation.handle(incoming(OFFICER, "rapport 2027-Q1"))
    assert replies[0].text.startswith("*Efterlevnadsrapport 2027-Q1*")


# --- Teams: a signed link to the bot's own server -----------------------------------------


@pytest.fixture
async def server(sessions: sessionmaker[Session], clock: list) -> Iterator[TestClient]:
    app = web.Application()
    add_report_routes(app, ReportLinkStore(sessions, PUBLIC_URL), lambda: clock[0])
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


def teams_officer() -> Incoming:
    return incoming(TEAMS_OFFICER, platform="teams")


async def test_teams_officer_gets_a_link_not_a_file(feature: ReportFeature) -> None:
    _, link_reply = await ask(feature, teams_officer())
    assert link_reply.link is not None
    assert link_reply.link.startswith(f"{PUBLIC_URL}/reports/")
    assert link_reply.attachment is not None and link_reply.attachment.content == b""


async def test_link_downloads_the_report(feature: ReportFeature, server: TestClient) -> None:
    _, link_reply = await ask(feature, teams_officer())
    assert link_reply.link is not None
    response = await server.get(link_reply.link.removeprefix(PUBLIC_URL))
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert (await response.read()).startswith(b"\xef\xbb\xbf")


async def test_link_after_fifteen_minutes_is_gone(
    feature: ReportFeature, server: TestClient, clock: list
) -> None:
    _, link_reply = await ask(feature, teams_officer())
    assert link_reply.link is not None
    clock[0] = scenario.NOW + timedelta(minutes=15, seconds=1)
    response = await server.get(link_reply.link.removeprefix(PUBLIC_URL))
    assert response.status == 410


async def test_tampered_link_is_refused(feature: ReportFeature, server: TestClient) -> None:
    _, link_reply = await ask(feature, teams_officer())
    assert link_reply.link is not None
    path = link_reply.link.removeprefix(PUBLIC_URL)
    download_id, expires, signature = path.removeprefix("/reports/").split(".")
    later = str(int(expires) + 3600)
    for forged in (f"{download_id}.{later}.{signature}", f"{download_id}.{expires}.{'0' * 64}"):
        assert (await server.get(f"/reports/{forged}")).status == 404


async def test_link_expires_after_fifteen_minutes(
    feature: ReportFeature, sessions: sessionmaker[Session], clock: list
) -> None:
    from bot.records.report_links import LinkError, open_report

    _, link_reply = await ask(feature, teams_officer())
    assert link_reply.link is not None
    token = link_reply.link.rsplit("/", 1)[1]
    with sessions() as s:
        assert open_report(s, token, scenario.NOW + timedelta(minutes=14)).content
        with pytest.raises(LinkError) as expired:
            open_report(s, token, scenario.NOW + timedelta(minutes=15))
    assert expired.value.status == 410


async def test_link_is_only_for_that_officers_report(
    feature: ReportFeature, sessions: sessionmaker[Session]
) -> None:
    from bot.records.report_links import LinkError, open_report

    _, first = await ask(feature, teams_officer())
    _, second = await ask(feature, incoming(OFFICER, platform="teams"))
    assert first.link and second.link
    _, exp_a, sig_a = first.link.rsplit("/", 1)[1].split(".")
    id_b, _, _ = second.link.rsplit("/", 1)[1].split(".")
    with sessions() as s, pytest.raises(LinkError):
        open_report(s, f"{id_b}.{exp_a}.{sig_a}", scenario.NOW)


# --- overdue -------------------------------------------------------------------------------


async def test_officer_sees_everything_overdue(feature: ReportFeature) -> None:
    (reply,) = await ask(feature, incoming(OFFICER, "försenade"))
    assert reply.text.startswith("*Försenade rutiner just nu* (1)")
    assert "GDPR-utbildning, förföll 2027-03-15 (26 dagar)" in reply.text


async def test_lead_sees_only_their_own_routines(feature: ReportFeature) -> None:
    (bo,) = await ask(feature, incoming("U-k-bo", "overdue"))
    (anna,) = await ask(feature, incoming("U-k-anna", "overdue"))
    assert "Inget är försenat" in bo.text  # dsr-queue has nothing open past due
    assert "GDPR-utbildning" in anna.text


async def test_employee_without_routines_is_refused_overdue(feature: ReportFeature) -> None:
    (reply,) = await ask(feature, incoming("U-nobody", "overdue"))
    assert reply.private
    assert "rutinansvariga" in reply.text


async def test_a_link_works_once_and_the_download_is_a_ledger_entry(
    feature: ReportFeature, server: TestClient, sessions: sessionmaker[Session]
) -> None:
    _, link_reply = await ask(feature, teams_officer())
    assert link_reply.link is not None
    path = link_reply.link.removeprefix(PUBLIC_URL)
    assert (await server.get(path)).status == 200

    again = await server.get(path)
    assert again.status == 410
    assert b"\xef\xbb\xbf" not in await again.read()
    entry = last_entry(sessions)
    assert entry["event"] == ledger.chain.REPORT_DOWNLOADED
    assert entry["data"]["filename"].endswith(".csv")
    assert TEAMS_OFFICER not in json.dumps(entry)
