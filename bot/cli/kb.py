"""`gdpr-bot kb check|eval|calibrate|embed`: validate, measure and fit the knowledge base."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.ask import answerer_for, build_answerer, encoder_for
from bot.cli.errors import broken_files, usage_error
from bot.config import Settings
from knowledge import SHIPPED_DIR, KnowledgeError, check_knowledge, load_knowledge_base
from knowledge.analysis.synonyms import check_synonyms
from knowledge.evaluate import EvalFileError, evaluate, read_cases

app = typer.Typer(help="Check, measure and calibrate the knowledge base.", no_args_is_help=True)


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
    """Validate every article and the synonym list; print `path:line: field: problem`
    lines, exit 1 if any."""
    for missing in [d for d in dirs or [] if not d.exists()]:
        typer.echo(f"error: {missing}: no such folder", err=True)  # as quiz/clients check
        raise typer.Exit(2)
    extra = list(dirs) if dirs else Settings().knowledge_paths
    checked = ([SHIPPED_DIR] if shipped else []) + extra
    problems = check_knowledge(checked)
    if shipped:
        problems += check_synonyms()[1]
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {', '.join(str(d) for d in checked)}")


def _read(file: Path) -> list[Any]:
    if not file.is_file():  # one line in the CLI's own words, not "[Errno 2] …"
        raise usage_error(f"{file}: {'a folder, not a file' if file.is_dir() else 'no such file'}")
    try:
        return read_cases(file)
    except (OSError, EvalFileError) as exc:
        print(exc, file=sys.stderr)
        raise typer.Exit(2) from None


def _known_articles(file: Path, cases: list[Any], kb: Any) -> None:
    """A case naming an article id the knowledge base does not have (a typo) can never be
    answered right: it would count as a wrong answer instead of being a mistake in FILE."""
    for case in cases:
        for article in case.articles:
            if kb.get(article, "sv") is None and kb.get(article, "en") is None:
                lines = file.read_text(encoding="utf-8-sig").splitlines()
                number = next((n for n, line in enumerate(lines, 1) if f'"{article}"' in line), 1)
                raise usage_error(f"{file}:{number}: articles: unknown article {article!r} "
                                  "(no such id in the knowledge base)")  # fmt: skip


def _labels_known(files: list[Path], cases: list[Any], kb: Any) -> None:
    """As `_known_articles`, for calibration inputs: a label naming no article of the base
    would be fitted as a question whose right article is never a candidate."""
    for case in cases:
        for article in case.articles:
            if kb.get(article, "sv") is None and kb.get(article, "en") is None:
                where = next(
                    (
                        f"{file}:{number}"
                        for file in files
                        for number, line in enumerate(
                            file.read_text(encoding="utf-8-sig").splitlines(), 1
                        )
                        if f'"{case.id}"' in line and f'"{article}"' in line
                    ),
                    case.id,
                )
                raise usage_error(f"{where}: articles: unknown article {article!r} "
                                  "(no such id in the knowledge base)")  # fmt: skip


def _rates(summary: dict[str, Any]) -> str:
    return (
        f"answered right {summary['answered_right_rate']:.1%}, "
        f"wrong {summary['answered_wrong_rate']:.1%}, "
        f"right in answer or did-you-mean {summary['right_in_answer_or_clarify_rate']:.1%}, "
        f"off-topic refused {summary['off_topic_refused_rate']:.1%}"
    )


@app.command("eval")
def eval_(
    file: Annotated[
        Path, typer.Argument(help="JSONL questions with articles / expect_any / expect_fallback.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON summary object.")] = False,
) -> None:
    """Ask every question in FILE; print failures and the outcome rates per language
    (exit 0 whatever the score)."""
    cases = _read(file)
    answerer = build_answerer()
    _known_articles(file, cases, answerer.kb)
    report = evaluate(answerer, cases)
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False))
        return
    for result in report.results:
        if result.correct:
            continue
        case, answer = result.case, result.answer
        if answer.outcome == "clarify":
            got = "did you mean " + ", ".join(s.id for s in answer.suggestions)
        else:
            got = answer.article.id if answer.article else f"refused ({answer.reason})"
        wanted = "refusal" if case.expect_fallback else " | ".join(case.articles or case.expect_any)
        typer.echo(
            f"{result.verdict.upper()} {case.id} [{case.lang}] {case.q}\n"
            f"     got: {got}; expected: {wanted}"
        )
    summary = report.as_json()
    for lang, figures in summary["by_language"].items():
        typer.echo(f"{lang}: {_rates(figures)}")
    typer.echo(
        f"{report.correct}/{report.total} correct · answerable {report.answerable_accuracy:.1%}"
        f" · fallback {report.fallback_accuracy:.1%} · {_rates(summary['overall'])}"
    )


@app.command("calibrate")
def calibrate_(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Labelled JSONL questions (articles / expect_fallback), or label files "
            '({"set", "id", "articles"}) joined with the shared sets.'
        ),
    ],
    shared: Annotated[
        Path,
        typer.Option("--shared", help="Where label files find eval/<set>.jsonl."),
    ] = Path("../shared"),
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Where to write the fitted parameters (JSON)."),
    ] = None,
) -> None:
    """Fit the confidence models and their thresholds on FILES (with k-fold
    cross-validation) and write them (default: the shipped knowledge/retrieval/confidence.json)."""
    from knowledge.retrieval.calibrate import calibrate
    from knowledge.retrieval.calibration_inputs import InputError, read_inputs
    from knowledge.retrieval.domain import negatives_path
    from knowledge.retrieval.scoring import CONFIDENCE_FILE, save_models

    if output is not None and (output.is_dir() or not output.parent.is_dir()):
        # checked before the fit, which takes minutes, and not after it
        where = f"{output} is a folder" if output.is_dir() else f"no folder {output.parent}"
        raise usage_error(f"--output: {where}; give a file in an existing folder")
    try:
        inputs = read_inputs(files, shared)
    except (OSError, InputError) as exc:
        print(exc, file=sys.stderr)
        raise typer.Exit(2) from None
    cases = inputs.cases
    on_topic = [c for c in cases if not c.expect_fallback]
    if not on_topic or any(not c.articles for c in on_topic):
        names = ", ".join(str(f) for f in files)
        print(f'{names}: every on-topic line needs "articles": [ids] to calibrate', file=sys.stderr)
        raise typer.Exit(2)
    settings = Settings()
    try:
        kb = load_knowledge_base(settings.knowledge_paths)
    except KnowledgeError as exc:
        raise broken_files(
            "the knowledge base is broken", exc.problems, "gdpr-bot kb check"
        ) from None
    _labels_known(files, on_topic, kb)  # before the fit, which takes minutes
    try:
        answerer = answerer_for(settings, kb, encoder_for(settings))
        models = calibrate(answerer, cases, inputs.files, inputs.groups)
    except KnowledgeError as exc:
        raise broken_files(
            "the knowledge base is broken", exc.problems, "gdpr-bot kb check"
        ) from None
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        raise typer.Exit(2) from None
    target = output or CONFIDENCE_FILE
    save_models(models, target)
    for name, model in (("lexical", models.lexical), *models.hybrid.items()):
        cv = model.provenance.get("cross_validation", {}).get("all")
        limits = model.thresholds
        typer.echo(
            f"{name}: answer at {limits.answer_at:.2f}, clarify at {limits.clarify_at:.2f}"
            + (
                f"; {cv['on_topic']}+{cv['off_topic']} questions, cross-validated: "
                f"answered right {cv['answered_right']:.1%}, wrong {cv['answered_wrong']:.1%}, "
                f"off-topic refused {cv['off_topic_refused']:.1%}"
                if cv
                else ""
            )
        )
    typer.echo(f"written: {target}")
    if negatives_path(target).is_file():
        typer.echo(f"written: {negatives_path(target)} (the off-topic questions' vectors)")


@app.command("embed")
def embed(
    shipped: Annotated[
        bool,
        typer.Option(
            "--shipped",
            help="Write the shipped articles' vectors into the package (maintainers).",
        ),
    ] = False,
) -> None:
    """Compute and cache the vectors of every article now (else: at the first question)."""
    from knowledge.retrieval.vectors import (
        VectorStore,
        article_units,
        shipped_vectors_path,
        unit_key,
        write_vectors,
    )

    settings = Settings()
    encoder = encoder_for(settings)
    if encoder is None:
        print("GDPRBOT_EMBEDDINGS=off: there is nothing to embed", file=sys.stderr)
        raise typer.Exit(2)
    try:
        kb = load_knowledge_base([] if shipped else settings.knowledge_paths)
    except KnowledgeError as exc:
        raise broken_files(
            "the knowledge base is broken", exc.problems, "gdpr-bot kb check"
        ) from None
    units = [u for article in kb for u in article_units(article)]
    store = VectorStore(encoder, settings.vector_cache_dir)
    matrix = store.matrix(units)
    if shipped:
        target = shipped_vectors_path(encoder.model_id)
        vectors = {unit_key(encoder.model_id, u): row for u, row in zip(units, matrix, strict=True)}
        write_vectors(target, vectors)
        typer.echo(f"{len(vectors)} vectors written to {target}")
    else:
        typer.echo(f"{len(units)} article texts embedded (cache: {settings.vector_cache_dir})")
