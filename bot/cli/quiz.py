"""`gdpr-bot quiz check`: validate the question bank against the knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.config import Settings
from knowledge import KnowledgeError, load_knowledge_base
from knowledge.quiz import QUIZ_DIR, check_quiz

app = typer.Typer(help="Check the quiz question bank.", no_args_is_help=True)


@app.command("check")
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Question files or folders (default: those in GDPRBOT_QUIZ_DIR)."),
    ] = None,
    shipped: Annotated[
        bool,
        typer.Option(
            "--shipped/--no-shipped",
            help="Layer the paths over the shipped questions, as the bot loads them.",
        ),
    ] = True,
) -> None:
    """Validate every question and that its article exists in the knowledge base (shipped
    plus GDPRBOT_KNOWLEDGE_DIR); print `path:line: field: problem` lines, exit 1 if any."""
    settings = Settings()
    extra = list(paths) if paths else settings.quiz_paths
    missing = next((p for p in extra if not p.exists()), None)
    if missing is not None:
        typer.echo(f"error: {missing}: no such file or folder", err=True)
        raise typer.Exit(2)
    try:
        base = load_knowledge_base(settings.knowledge_paths)
    except KnowledgeError as exc:
        typer.echo(
            f"error: the knowledge base is broken ({len(exc.problems)} problem(s)); "
            "run `gdpr-bot kb check`",
            err=True,
        )
        raise typer.Exit(2) from None
    articles: dict[str, set[str]] = {}
    for article in base.articles:
        articles.setdefault(article.lang, set()).add(article.id)
    checked = ([QUIZ_DIR] if shipped else []) + extra
    if not checked:
        typer.echo("error: nothing to check (give a PATH or drop --no-shipped)", err=True)
        raise typer.Exit(2)
    problems = check_quiz(checked, articles)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {', '.join(str(p) for p in checked)}")


@app.command("stats")
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Per question asked in training campaigns: how often, and the share answered right,
    the least understood first (no person is stored with these counts)."""
    import json

    from bot.cli.errors import require_database
    from routines.engine.training import question_tallies
    from storage.engines import make_engine
    from storage.migrate import create_schema
    from storage.sessions import read_session, session_factory

    settings = Settings()
    engine = make_engine(require_database(settings.database_url))
    try:
        create_schema(engine)
        with read_session(session_factory(engine)) as session:
            tallies = question_tallies(session)
    finally:
        engine.dispose()
    if as_json:
        items = [
            {"id": q, "lang": lang, "asked": asked, "right": right,
             "share_right": round(right / asked, 4) if asked else None}
            for q, lang, asked, right in tallies
        ]  # fmt: skip
        typer.echo(json.dumps({"questions": items}, ensure_ascii=False))
        return
    if not tallies:
        typer.echo("no campaign question has been answered yet")
    for q, lang, asked, right in tallies:
        typer.echo(f"{right / asked:6.0%}  {right:>5}/{asked:<5} {lang} {q}")
