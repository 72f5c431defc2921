"""Question insights for knowledge owners and compliance officers.

Computed from the anonymous question log only: which questions the bot could not answer
(grouped by near-duplicate text), which articles got most 👎, which were asked most, and
the answer rate per language and per ISO week.

Near-duplicates: a question is normalised (case-folded, punctuation removed, whitespace
collapsed) and compared with the representative (first) question of every group so far;
it joins the first group where the token-set Jaccard similarity is at least
`JACCARD_THRESHOLD` (0.6) or difflib's `SequenceMatcher` ratio of the normalised strings is
at least `RATIO_THRESHOLD` (0.85). The first catches reordered words ("may we record calls"
/ "calls, may we record?"), the second small spelling differences. Greedy and
deterministic: questions are visited oldest first.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from difflib import SequenceMatcher

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.records.questions import QuestionRecord
from routines.catalog import Routine
from routines.engine.occurrences import KindContent
from storage.clock import as_utc

JACCARD_THRESHOLD = 0.6
RATIO_THRESHOLD = 0.85
# Grouping is quadratic in the number of groups; the newest unanswered questions suffice.
MAX_UNANSWERED_SCANNED = 5000

_NON_WORD = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", _NON_WORD.sub(" ", folded)).strip()


def similar(a: str, b: str) -> bool:
    """Whether two *normalised* questions are near-duplicates (see module docstring)."""
    if a == b:
        return True
    ta, tb = set(a.split()), set(b.split())
    if ta and tb and len(ta & tb) / len(ta | tb) >= JACCARD_THRESHOLD:
        return True
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= RATIO_THRESHOLD


@dataclass(frozen=True)
class QuestionGroup:
    text: str  # the first question asked in the group, as asked
    count: int
    lang: str
    examples: tuple[str, ...] = ()  # up to three other phrasings


@dataclass(frozen=True)
class ArticleVotes:
    article_id: str
    down: int
    up: int


@dataclass(frozen=True)
class ArticleCount:
    article_id: str
    count: int


@dataclass(frozen=True)
class Rate:
    key: str  # a language code or an ISO week such as "2027-W05"
    asked: int
    answered: int

    @property
    def rate(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


@dataclass(frozen=True)
class Insights:
    since: datetime | None
    until: datetime
    asked: int
    answered: int
    unanswered: tuple[QuestionGroup, ...] = ()
    most_downvoted: tuple[ArticleVotes, ...] = ()
    most_asked: tuple[ArticleCount, ...] = ()
    by_language: tuple[Rate, ...] = ()
    by_week: tuple[Rate, ...] = ()


def iso_week(moment: datetime) -> str:
    year, week, _ = as_utc(moment).isocalendar()
    return f"{year}-W{week:02d}"


def group_questions(rows: Iterable[tuple[str, str]], limit: int) -> list[QuestionGroup]:
    """Group (text, lang) pairs into near-duplicates; biggest groups first, ties oldest first."""
    groups: list[tuple[str, str, str, list[str]]] = []  # (norm, text, lang, others)
    for text, lang in rows:
        norm = normalise(text)
        if not norm:
            continue
        for g_norm, _, g_lang, others in groups:
            if g_lang == lang and similar(norm, g_norm):
                others.append(text)
                break
        else:
            groups.append((norm, text, lang, []))
    ranked = sorted(enumerate(groups), key=lambda item: (-len(item[1][3]), item[0]))
    result = []
    for _, (_, text, lang, others) in ranked[:limit]:
        distinct = tuple(dict.fromkeys(o for o in others if o != text))[:3]
        result.append(QuestionGroup(text=text, count=1 + len(others), lang=lang, examples=distinct))
    return result


def compute_insights(
    session: Session, *, now: datetime, since: datetime | None = None, top: int = 10
) -> Insights:
    """Figures over questions asked in [since, now]; `since=None` means everything kept."""
    window = [QuestionRecord.asked_at <= as_utc(now)]
    if since is not None:
        window.append(QuestionRecord.asked_at >= as_utc(since))

    asked = answered = 0
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_week: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    asked_articles: Counter[str] = Counter()
    votes: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # article -> [down, up]
    stmt = select(
        QuestionRecord.asked_at,
        QuestionRecord.lang,
        QuestionRecord.answered,
        QuestionRecord.article_id,
        QuestionRecord.vote,
    ).where(*window)
    for asked_at, lang, was_answered, article_id, vote in session.execute(
        stmt.execution_options(yield_per=1000)
    ):
        asked += 1
        answered += int(was_answered)
        for bucket in (per_lang[lang], per_week[iso_week(asked_at)]):
            bucket[0] += 1
            bucket[1] += int(was_answered)
        if was_answered and article_id:
            asked_articles[article_id] += 1
        if article_id and vote in ("down", "up"):
            votes[article_id][0 if vote == "down" else 1] += 1

    unanswered_rows = session.execute(
        select(QuestionRecord.text, QuestionRecord.lang)
        .where(*window, QuestionRecord.answered.is_(False))
        .order_by(QuestionRecord.asked_at.desc(), QuestionRecord.id.desc())
        .limit(MAX_UNANSWERED_SCANNED)
    ).all()
    unanswered = group_questions(reversed([(t, lg) for t, lg in unanswered_rows]), top)

    downvoted = sorted(
        (ArticleVotes(a, d, u) for a, (d, u) in votes.items() if d),
        key=lambda v: (-v.down, v.up, v.article_id),
    )[:top]
    most_asked = sorted(
        (ArticleCount(a, c) for a, c in asked_articles.items()),
        key=lambda c: (-c.count, c.article_id),
    )[:top]
    return Insights(
        since=since,
        until=now,
        asked=asked,
        answered=answered,
        unanswered=tuple(unanswered),
        most_downvoted=tuple(downvoted),
        most_asked=tuple(most_asked),
        by_language=tuple(Rate(k, a, n) for k, (a, n) in sorted(per_lang.items())),
        by_week=tuple(Rate(k, a, n) for k, (a, n) in sorted(per_week.items())),
    )


# --- rendering ------------------------------------------------------------------------------

_TEXT = {
    "sv": {
        "title": "*Insikter om frågor*",
        "period": "Period",
        "all": "allt som sparas",
        "asked": "Frågor: {asked}, besvarade: {answered} ({rate})",
        "unanswered": "*Obesvarade frågor (liknande grupperade)*",
        "downvoted": "*Artiklar med flest 👎*",
        "most_asked": "*Mest efterfrågade artiklar*",
        "by_language": "*Svarsfrekvens per språk*",
        "by_week": "*Svarsfrekvens per vecka*",
        "none": "_inga_",
        "times": "{n} ggr",
    },
    "en": {
        "title": "*Question insights*",
        "period": "Period",
        "all": "everything kept",
        "asked": "Questions: {asked}, answered: {answered} ({rate})",
        "unanswered": "*Unanswered questions (similar ones grouped)*",
        "downvoted": "*Articles with most 👎*",
        "most_asked": "*Most asked articles*",
        "by_language": "*Answer rate per language*",
        "by_week": "*Answer rate per week*",
        "none": "_none_",
        "times": "{n}×",
    },
}


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "–"


def render_text(insights: Insights, lang: str = "sv") -> str:
    """Light Markdown for chat (every front end renders *bold* and - lists)."""
    t = _TEXT.get(lang, _TEXT["sv"])
    since = insights.since.date().isoformat() if insights.since else t["all"]
    lines = [
        t["title"],
        f"{t['period']}: {since} – {insights.until.date().isoformat()}",
        t["asked"].format(
            asked=insights.asked,
            answered=insights.answered,
            rate=_pct(insights.answered, insights.asked),
        ),
        "",
        t["unanswered"],
    ]
    lines += [
        f"- {t['times'].format(n=g.count)} ({g.lang}): {g.text}" for g in insights.unanswered
    ] or [t["none"]]
    lines += ["", t["downvoted"]]
    lines += [f"- `{v.article_id}`: 👎 {v.down} / 👍 {v.up}" for v in insights.most_downvoted] or [
        t["none"]
    ]
    lines += ["", t["most_asked"]]
    lines += [f"- `{c.article_id}`: {c.count}" for c in insights.most_asked] or [t["none"]]
    for heading, rates in (("by_language", insights.by_language), ("by_week", insights.by_week)):
        lines += ["", t[heading]]
        lines += [
            f"- {r.key}: {r.answered}/{r.asked} ({_pct(r.answered, r.asked)})" for r in rates
        ] or [t["none"]]
    return "\n".join(lines)


def as_dict(insights: Insights) -> dict[str, object]:
    data = asdict(insights)
    data["since"] = insights.since.isoformat() if insights.since else None
    data["until"] = insights.until.isoformat()
    for key, rates in (("by_language", insights.by_language), ("by_week", insights.by_week)):
        data[key] = [{**asdict(r), "rate": round(r.rate, 4)} for r in rates]
    data["unanswered"] = [{**asdict(g), "examples": list(g.examples)} for g in insights.unanswered]
    return data


def render_json(insights: Insights) -> str:
    return json.dumps(as_dict(insights), ensure_ascii=False, indent=2)


CSV_HEADER = ("section", "key", "lang", "count", "answered", "answer_rate", "down", "up")


def render_csv(insights: Insights) -> str:
    """One long table, a `section` column per figure; UTF-8 BOM so Excel shows å ä ö."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerow(
        (
            "total",
            "",
            "",
            insights.asked,
            insights.answered,
            _rate(insights.answered, insights.asked),
            "",
            "",
        )
    )
    for g in insights.unanswered:
        writer.writerow(("unanswered", g.text, g.lang, g.count, 0, "", "", ""))
    for v in insights.most_downvoted:
        writer.writerow(("most_downvoted", v.article_id, "", "", "", "", v.down, v.up))
    for c in insights.most_asked:
        writer.writerow(("most_asked", c.article_id, "", c.count, c.count, "", "", ""))
    for section, rates in (("language", insights.by_language), ("week", insights.by_week)):
        for r in rates:
            lang = r.key if section == "language" else ""
            writer.writerow(
                (section, r.key, lang, r.asked, r.answered, _rate(r.answered, r.asked), "", "")
            )
    return "\ufeff" + out.getvalue()


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.4f}" if whole else ""


# --- the monthly "knowledge gaps" routine ---------------------------------------------------

GAPS_DAYS = 31
_GAPS_TEXT = {
    "sv": (
        "*Frågor boten inte kunde besvara de senaste {days} dagarna* "
        "(liknande grupperade; skriv eller komplettera artiklar för dem):"
    ),
    "en": (
        "*Questions the bot could not answer in the last {days} days* "
        "(similar ones grouped; write or extend articles for them):"
    ),
}


def knowledge_gaps_text(
    session: Session, *, now: datetime, days: int = GAPS_DAYS, top: int = 10
) -> dict[str, str]:
    """Markdown per language listing the top unanswered questions; empty when there are none."""
    figures = compute_insights(session, now=now, since=now - timedelta(days=days), top=top)
    if not figures.unanswered:
        return {}
    times = {"sv": "{n} ggr", "en": "{n}×"}
    return {
        lang: "\n".join(
            [heading.format(days=days)]
            + [
                f"- {times[lang].format(n=g.count)} ({g.lang}): {g.text}"
                for g in figures.unanswered
            ]
        )
        for lang, heading in _GAPS_TEXT.items()
    }


def knowledge_gaps_provider(
    session: Session, routine: Routine, scheduled: date, now: datetime
) -> KindContent:
    """The catalogue's `kind: knowledge_gaps`: the month's unanswered questions, or skip."""
    text = knowledge_gaps_text(session, now=now)
    return KindContent(text=text, skip=not text)
