"""`gdpr-bot kb check [DIR...]` and `gdpr-bot kb eval FILE [--json]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.ask import build_answerer
from bot.config import Settings
from knowledge import SHIPPED_DIR, check_knowledge
from knowledge.evaluate import EvalFileError, evaluate, read_cases

app = typer.Typer(help="Check and measure the knowledge base.", no_args_is_help=True)


@app.command("check")
def check(
    dirs: Annotated[
        list[Path] | None,
        typer.Argument(help="Knowledge dirs to check (default: those in GDPRBOT_KNOWLEDGE_DIR)."),
    ] = None,
    shipped: Annotated[
        bool,
        typer.Option(
            "--shipped/--no-shipped",
            help="Layer the dirs over the shipped articles, as the bot loads them.",
        ),
    ] = True,
) -> None:
    """Validate every article; print `path:line: field: problem` lines, exit 1 if any."""
    extra = list(dirs) if dirs else Settings().knowledge_paths
    checked = ([SHIPPED_DIR] if shipped else []) + extra
    problems = check_knowledge(checked)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {', '.join(str(d) for d in checked)}")


@app.command("eval")
def eval_(
    file: Annotated[
        Path, typer.Argument(help="JSONL questions with expect_any / expect_fallback.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON summary object.")] = False,
) -> None:
    """Ask every question in FILE; print failures and accuracy (exit 0 whatever the score)."""
    try:
        cases = read_cases(file)
    except (OSError, EvalFileError) as exc:
        print(exc, file=sys.stderr)
        raise typer.Exit(2) from None
    report = evaluate(build_answerer(), cases)
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False))
        return
    for result in report.results:
        if result.correct:
            continue
        case, answer = result.case, result.answer
        got = answer.article.id if answer.article else "fallback"
        wanted = "fallback" if case.expect_fallback else " | ".join(case.expect_any)
        typer.echo(f"FAIL {case.id} [{case.lang}] {case.q}\n     got: {got}; expected: {wanted}")
    typer.echo(
        f"{report.correct}/{report.total} correct · answerable {report.answerable_accuracy:.1%}"
        f" · fallback {report.fallback_accuracy:.1%}"
    )
