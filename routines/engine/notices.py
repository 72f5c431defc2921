"""Routine messages in neutral terms (sv + en): what a post, reminder or escalation says."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from routines.catalog import Routine
from routines.engine.models import ESCALATION, POST, REMINDER, REREMINDER, Occurrence
from routines.ports import (
    Notice,
    NoticeAction,
    NoticeKind,
)
from storage.clock import as_utc

TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "why": "Varför",
        "due": "Klart senast",
        "done_when": "Vad räknas som klart",
        "late": "Postas i efterhand: skulle ha kommit {day}.",
        "evidence_required": "En anteckning eller länk som underlag krävs.",
        "evidence_optional": "Lägg gärna till en anteckning eller länk som underlag.",
        "reminder": "Påminnelse: *{title}* ska vara klar senast {due}.",
        "rereminder": "Försenad: *{title}* skulle ha varit klar {due}.",
        "escalation": "Eskalering: *{title}* är {days} dagar försenad (klart senast {due}).",
        "missing": "Har inte bekräftat",
        "nobody": "ingen har bekräftat",
        "confirm": "Bekräfta klart",
        "na": "Ej tillämplig",
        "note": "Lägg till anteckning",
        "quiz": "Starta quizet",
        "quiz_line": "Ett kort quiz i chatten: {n} frågor, godkänt vid {mark} % rätt.",
        "confirmed_by": "✅ Bekräftad av {who}, {at}",
        "na_by": "➖ Ej tillämplig enligt {who}, {at}: {reason}",
        "someone": "någon",
        "closed_other": "Avslutad.",
    },
    "en": {
        "why": "Why",
        "due": "Due",
        "done_when": "What counts as done",
        "late": "Posted late: it was due to be posted on {day}.",
        "evidence_required": "A note or link as evidence is required.",
        "evidence_optional": "You may add a note or link as evidence.",
        "reminder": "Reminder: *{title}* is due by {due}.",
        "rereminder": "Overdue: *{title}* was due on {due}.",
        "escalation": "Escalation: *{title}* is {days} days overdue (due {due}).",
        "missing": "Not yet confirmed by",
        "nobody": "nobody has confirmed",
        "confirm": "Confirm done",
        "na": "Not applicable",
        "note": "Add note",
        "quiz": "Start the quiz",
        "quiz_line": "A short quiz in the chat: {n} questions, pass mark {mark} % right.",
        "confirmed_by": "✅ Confirmed by {who}, {at}",
        "na_by": "➖ Not applicable according to {who}, {at}: {reason}",
        "someone": "someone",
        "closed_other": "Closed.",
    },
}

_NOTICE_KIND: dict[str, NoticeKind] = {
    POST: "posted",
    REMINDER: "reminder",
    REREMINDER: "reminder",
    ESCALATION: "escalation",
}


def _t(key: str, lang: str, **values: object) -> str:
    """Routines cannot import the bot's `t(key, lang)`; this is the same look-up for the
    notices routines render themselves (Swedish when the language is unknown)."""
    return TEXTS.get(lang, TEXTS["sv"])[key].format(**values)


def gdpr_refs(routine: Routine) -> str:
    return ", ".join(f"GDPR art. {ref}" for ref in routine.gdpr)


def actions(
    evidence: str, occurrence_id: int, lang: str, kind: str = "plain"
) -> tuple[NoticeAction, ...]:
    """Confirm and not applicable, plus a note when the routine takes evidence; a
    training campaign has one button instead: start the quiz (passing it confirms)."""
    value = str(occurrence_id)
    if kind == "training":
        return (NoticeAction("quiz", _t("quiz", lang), value),)
    found = [
        NoticeAction("confirm", _t("confirm", lang), value),
        NoticeAction("not_applicable", _t("na", lang), value),
    ]
    if evidence != "none":
        found.append(NoticeAction("note", _t("note", lang), value))
    return tuple(found)


def render(
    kind: str,
    routine: Routine,
    occurrence: Occurrence,
    lang: str,
    today: date,
    missing: Sequence[str] = (),
) -> Notice:
    """The notice for an outbox row of `kind`; `missing` = names not yet confirmed."""
    title = routine.text(routine.title, lang)
    due = occurrence.due_date.isoformat()
    lines: list[str] = []
    if kind == POST:  # the title travels in Notice.title; front ends show it as a heading
        if occurrence.created_late:
            lines.append("_" + _t("late", lang, day=occurrence.post_date.isoformat()) + "_")
        description = routine.text(routine.description, lang) if routine.description else ""
        if description:
            lines.append(f"*{_t('done_when', lang)}:* {description}")
        extra = (occurrence.details or {}).get("text") or {}
        if isinstance(extra, dict) and (extra.get(lang) or extra.get("sv")):
            lines.append(str(extra.get(lang) or extra.get("sv")))
    elif kind == ESCALATION:
        days = (today - occurrence.due_date).days
        lines.append(_t("escalation", lang, title=title, days=days, due=due))
        lines.append(f"*{_t('missing', lang)}:* " + (", ".join(missing) or _t("nobody", lang)))
    else:  # reminders repeat what counts as done: the post may be long scrolled away
        lines.append(_t(kind, lang, title=title, due=due))
        if routine.description:
            lines.append(f"*{_t('done_when', lang)}:* {routine.text(routine.description, lang)}")
    if routine.training is not None and kind != ESCALATION:
        quiz = routine.training
        lines.append(_t("quiz_line", lang, n=quiz.questions, mark=quiz.pass_mark))
    if routine.gdpr:
        lines.append(f"*{_t('why', lang)}:* {gdpr_refs(routine)}")
    lines.append(f"*{_t('due', lang)}:* {due}")
    if kind != ESCALATION and routine.evidence != "none":
        lines.append(_t(f"evidence_{routine.evidence}", lang))
    return Notice(
        kind=_NOTICE_KIND.get(kind, "info"),
        routine_id=routine.id,
        title=title,
        text="\n".join(lines),
        lang=lang,
        occurrence_id=occurrence.id,
        due_date=occurrence.due_date,
        gdpr=routine.gdpr,
        actions=()
        if kind == ESCALATION
        else actions(routine.evidence, occurrence.id, lang, routine.kind),
    )


def stamp(at: datetime, timezone: str) -> str:
    """`2027-01-05 10:12` in the routine's local time."""
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def outcome_line(
    lang: str, kind: str, who: str | None, at: datetime, timezone: str, reason: str = ""
) -> str:
    name = who or _t("someone", lang)
    if kind == "not_applicable":
        return _t("na_by", lang, who=name, at=stamp(at, timezone), reason=reason)
    return _t("confirmed_by", lang, who=name, at=stamp(at, timezone))


def render_closed(routine: Routine, occurrence: Occurrence, lang: str, who: str | None) -> Notice:
    """What a posted message becomes once the occurrence is closed: no more buttons."""
    title = routine.text(routine.title, lang)
    at = as_utc(occurrence.closed_at or occurrence.created_at)
    if occurrence.status == "not_applicable":
        reason = occurrence.reason or ""
        line = outcome_line(lang, "not_applicable", who, at, routine.timezone, reason)
    elif occurrence.status in ("done", "late"):
        line = outcome_line(lang, "confirm", who, at, routine.timezone)
    else:
        line = _t("closed_other", lang)
    return Notice(
        kind="info",
        routine_id=routine.id,
        title=title,
        text=line,
        lang=lang,
        occurrence_id=occurrence.id,
        due_date=occurrence.due_date,
        gdpr=routine.gdpr,
    )
