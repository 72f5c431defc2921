"""Question insights: the figures, the near-duplicate grouping, and how they render.

Computed from the anonymous question log only (bot/records/insights.py reads it): which
questions the bot could not answer (grouped by near-duplicate text), which articles got
most 👎, which were asked most, and the answer rate per language and per ISO week.

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
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from difflib import SequenceMatcher

from bot.chat.i18n import add_strings, t

JACCARD_THRESHOLD = 0.6
RATIO_THRESHOLD = 0.85

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
    year, week, _ = _utc(moment).isocalendar()
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


def unanswered_lines(groups: Sequence[QuestionGroup], lang: str) -> list[str]:
    """`- 3 ggr (sv): <the question>`, one per group."""
    return [f"- {t('insights.times', lang, n=g.count)} ({g.lang}): {g.text}" for g in groups]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- rendering ------------------------------------------------------------------------------

TEXT = {
    "sv": {
        "insights.title": "*Insikter om frågor*",
        "insights.period": "Period",
        "insights.all": "allt som sparas",
        "insights.asked": "Frågor: {asked}, besvarade: {answered} ({rate})",
        "insights.unanswered": "*Obesvarade frågor (liknande grupperade)*",
        "insights.downvoted": "*Artiklar med flest 👎*",
        "insights.most_asked": "*Mest efterfrågade artiklar*",
        "insights.by_language": "*Svarsfrekvens per språk*",
        "insights.by_week": "*Svarsfrekvens per vecka*",
        "insights.none": "_inga_",
        "insights.times": "{n} ggr",
    },
    "en": {
        "insights.title": "*Question insights*",
        "insights.period": "Period",
        "insights.all": "everything kept",
        "insights.asked": "Questions: {asked}, answered: {answered} ({rate})",
        "insights.unanswered": "*Unanswered questions (similar ones grouped)*",
        "insights.downvoted": "*Articles with most 👎*",
        "insights.most_asked": "*Most asked articles*",
        "insights.by_language": "*Answer rate per language*",
        "insights.by_week": "*Answer rate per week*",
        "insights.none": "_none_",
        "insights.times": "{n}×",
    },
}

add_strings(TEXT)


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "–"


def render_text(insights: Insights, lang: str = "sv") -> str:
    """Light Markdown for chat (every front end renders *bold* and - lists)."""
    since = insights.since.date().isoformat() if insights.since else t("insights.all", lang)
    lines = [
        t("insights.title", lang),
        f"{t('insights.period', lang)}: {since} – {insights.until.date().isoformat()}",
        t(
            "insights.asked",
            lang,
            asked=insights.asked,
            answered=insights.answered,
            rate=_pct(insights.answered, insights.asked),
        ),
        "",
        t("insights.unanswered", lang),
    ]
    lines += unanswered_lines(insights.unanswered, lang) or [t("insights.none", lang)]
    lines += ["", t("insights.downvoted", lang)]
    lines += [f"- `{v.article_id}`: 👎 {v.down} / 👍 {v.up}" for v in insights.most_downvoted] or [
        t("insights.none", lang)
    ]
    lines += ["", t("insights.most_asked", lang)]
    lines += [f"- `{c.article_id}`: {c.count}" for c in insights.most_asked] or [
        t("insights.none", lang)
    ]
    for heading, rates in (("by_language", insights.by_language), ("by_week", insights.by_week)):
        lines += ["", t(f"insights.{heading}", lang)]
        lines += [
            f"- {r.key}: {r.answered}/{r.asked} ({_pct(r.answered, r.asked)})" for r in rates
        ] or [t("insights.none", lang)]
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
        writer.writerow(("unanswered", _text(g.text), g.lang, g.count, 0, "", "", ""))
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


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """A question as someone typed it: a leading =, +, -, @ would run as a formula in Excel."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.4f}" if whole else ""
