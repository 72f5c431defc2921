"""`gdpr-bot doctor` checks beyond doctor.py (kept under 400 lines): training campaigns, web secret.

Does each training campaign find enough questions in the bank?

A campaign draws `training.questions` questions with any of its `training.tags` in the
person's language. Neither `routines check` (the catalogue does not know the bank) nor
`quiz check` (the bank does not know the campaigns) can see a tag no question carries; the
campaign then posts a quiz that answers "no questions" to everyone it is assigned to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from bot.config import Settings
from knowledge.quiz.model import QuizBank
from routines.catalog import Catalog

LANGS = ("sv", "en")
Level = Literal["ok", "warn", "fail"]


def short_campaigns(catalog: Catalog, bank: QuizBank) -> Iterator[str]:
    """One line per enabled training routine and language with too few questions."""
    for routine in catalog.enabled:
        if routine.kind != "training" or routine.training is None:
            continue
        wanted = routine.training.questions
        tags = ", ".join(routine.training.tags) or "any"
        for lang in LANGS:
            found = len(bank.matching(lang, routine.training.tags))
            if found < wanted:
                yield (
                    f"{routine.id}: training.tags [{tags}] match {found} {lang} question(s) "
                    f"of the {wanted} a quiz draws (add questions with those tags, or fix the tags)"
                )


def check_campaigns(settings: Settings) -> list[tuple[Level, str]]:
    """(level, detail) lines; nothing when the catalogue or the bank does not load (their
    own doctor lines say why)."""
    from knowledge import KnowledgeError
    from knowledge.quiz import QUIZ_DIR, load_quiz_bank
    from routines.catalog import CatalogError, load_catalog

    try:
        catalog = load_catalog(settings.routines_paths, default_timezone=settings.timezone)
        bank = load_quiz_bank([QUIZ_DIR, *settings.quiz_paths])
    except (CatalogError, KnowledgeError, OSError):
        return []
    short = list(short_campaigns(catalog, bank))
    if not short:
        return [("ok", "every campaign finds its questions")]
    return [("fail", line) for line in short]


def check_web_secret(settings: Settings) -> list[tuple[Level, str]]:
    """The web secret as `run` reads it: `run` refuses a short or unreadable one, so the
    doctor must not call it fine. Missing is a failure only in production."""
    from bot.web.keys import WebSecretError, configured_secret

    if not settings.web_enabled:
        return []
    try:
        secret = configured_secret(settings.web_secret, settings.web_secret_file)
    except WebSecretError as exc:
        return [("fail", str(exc))]
    if secret is None and settings.production_like:
        return [("fail", "set GDPRBOT_WEB_SECRET or GDPRBOT_WEB_SECRET_FILE "
                         "(required with PostgreSQL or an https public URL)")]  # fmt: skip
    return []
