"""`gdpr-bot ask "TEXT" [--lang sv|en] [--json]`: one question, one answer.

The `--json` shape is a contract relied on by checks outside the repository:
{"answered", "lang", "answer", "article": {"id", "title", "owner", "reviewed", "gdpr"} | null,
"score", "suggestions": [{"id", "title"}], "outcome": "answer" | "clarify" | "refuse",
"client": id | null}.
`answered` is true exactly when `outcome` is "answer"; with "clarify", `suggestions` are the
"did you mean" articles, best first; `score` is the calibrated probability that the best
article is the one asked for. `client` is the client whose facts fill the answer
(`--client ID`, or a client of GDPRBOT_CLIENTS named in the question); null answers
generically. An unknown `--client` is a one-line error, exit 2.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from bot.cli.errors import broken_files
from bot.cli.startup import no_collection_while_starting
from bot.config import Settings, SettingsError
from clients import ClientsError, Directory, load_directory, placeholder_values
from knowledge import (
    SHIPPED_DIR,
    Answer,
    Answerer,
    Encoder,
    KnowledgeBase,
    KnowledgeError,
    load_knowledge_base,
)

SOURCE_LABEL = {"sv": "Källa", "en": "Source"}
OWNER_LABEL = {"sv": "ansvarig", "en": "owner"}
REVIEWED_LABEL = {"sv": "granskad", "en": "reviewed"}


class LangOption(StrEnum):
    sv = "sv"
    en = "en"


_CACHE: dict[tuple[object, ...], Answerer] = {}


def _fingerprint(dirs: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Every article file's path, size and mtime: changes when the knowledge base does."""
    files = sorted(p for d in dirs if d.is_dir() for p in d.rglob("*.md"))
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


def encoder_for(settings: Settings) -> Encoder | None:
    """The encoder `GDPRBOT_EMBEDDINGS` asks for (None: lexical only); a bad value is a
    one-line error naming the variable, exit 2."""
    try:
        return settings.build_encoder()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise typer.Exit(2) from None


def answerer_for(settings: Settings, kb: KnowledgeBase, encoder: Encoder | None) -> Answerer:
    """The answerer as the bot builds it from settings."""
    return Answerer(
        kb,
        settings.dpo_contact,
        default_lang=settings.default_language,
        encoder=encoder,
        vector_cache=settings.vector_cache_dir,
        index_cache=settings.vector_cache_dir,
    )


def build_answerer(settings: Settings | None = None) -> Answerer:
    """Load the knowledge base from settings; on problems print them and exit non-zero.

    Built once per process and knowledge-base state, so repeated in-process commands
    (tests, the console) do not rebuild the index.
    """
    settings = settings or Settings()
    dirs = [SHIPPED_DIR, *settings.knowledge_paths]
    encoder = encoder_for(settings)
    key = (
        settings.dpo_contact,
        settings.default_language,
        encoder.model_id if encoder is not None else None,
        str(settings.vector_cache_dir),
        _fingerprint(dirs),
        *map(str, dirs),
    )
    if key in _CACHE:
        return _CACHE[key]
    try:
        kb = load_knowledge_base(settings.knowledge_paths)
    except KnowledgeError as exc:
        raise broken_files(
            "the knowledge base is broken", exc.problems, "gdpr-bot kb check"
        ) from None
    answerer = answerer_for(settings, kb, encoder)
    _CACHE.clear()  # one knowledge base per process is the normal case
    _CACHE[key] = answerer
    return answerer


def answer_json(answer: Answer, client: str | None = None) -> dict[str, Any]:
    """The contract shape of `ask --json`."""
    ref = answer.article
    return {
        "answered": answer.answered,
        "lang": answer.lang,
        "answer": answer.text,
        "article": None
        if ref is None
        else {
            "id": ref.id,
            "title": ref.title,
            "owner": ref.owner,
            "reviewed": ref.reviewed,
            "gdpr": list(ref.gdpr),
        },
        "score": float(answer.score),
        "suggestions": [{"id": s.id, "title": s.title} for s in answer.suggestions],
        "outcome": answer.outcome,
        "client": client,
    }


def render_text(answer: Answer) -> str:
    """A readable answer with its source line, or the fallback with suggestions."""
    lang = answer.lang
    lines: list[str] = []
    ref = answer.article
    if ref is not None:
        lines.append(ref.title)
        lines.append("")
    if answer.notice:
        lines.append(f"({answer.notice})")
    lines.append(answer.text)
    if ref is not None:
        refs = ", ".join(ref.gdpr) or "-"
        lines.append("")
        lines.append(
            f"{SOURCE_LABEL[lang]}: {ref.title} · {OWNER_LABEL[lang]}: {ref.owner} · "
            f"{REVIEWED_LABEL[lang]}: {ref.reviewed} · GDPR: {refs}"
        )
    if answer.suggestions:
        lines.append("")
        lines.extend(f"  {n}. {s.title} ({s.id})" for n, s in enumerate(answer.suggestions, 1))
    return "\n".join(lines)


def ask(
    text: Annotated[str, typer.Argument(help="The question, in Swedish or English.")],
    lang: Annotated[
        LangOption | None,
        typer.Option("--lang", help="Answer in this language instead of detecting it."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON object (a stable contract).")
    ] = False,
    client_id: Annotated[
        str | None,
        typer.Option("--client", help="Answer for this client of GDPRBOT_CLIENTS (its id)."),
    ] = None,
) -> None:
    """Ask the knowledge base one GDPR question and print the answer with its source."""
    settings = Settings()
    with no_collection_while_starting():
        answerer = build_answerer(settings)
    directory = _directory(settings)
    try:
        found = directory.resolve(text, client_id=client_id)
    except LookupError as exc:  # clients.UnknownClient: names the known ids
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    client = found.client
    if client is None:
        answer = answerer.answer(text, lang.value if lang else None)
    else:
        chosen = lang.value if lang else answerer.language(text)
        answer_lang: Literal["sv", "en"] = "en" if chosen == "en" else "sv"
        values = placeholder_values(client, answer_lang)
        question = found.without_names(text) if found.mentions else text
        answer = answerer.answer(question, answer_lang, values=values)
    if as_json:
        client_out = client.id if client is not None else None
        typer.echo(json.dumps(answer_json(answer, client_out), ensure_ascii=False))
    else:
        typer.echo(render_text(answer))


def _directory(settings: Settings) -> Directory:
    try:
        return load_directory(settings.clients_paths)
    except ClientsError as exc:
        raise broken_files(
            "the client directory is broken", exc.problems, "gdpr-bot clients check"
        ) from None
    except OSError as exc:
        print(f"error: cannot read the client directory: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("ask")(ask)
