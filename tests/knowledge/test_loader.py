"""The loader names every problem as `path:line: field: message` (what `kb check` prints)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge import KnowledgeError, Problem, check_knowledge, load_knowledge_base
from tests.knowledge.conftest import VALID_FRONT_MATTER, WriteArticle

TODAY = date(2026, 11, 28)


def front(**changes: str | None) -> str:
    """Valid front matter with some lines replaced (value None drops the line)."""
    lines = VALID_FRONT_MATTER.format(id="example", lang="sv").splitlines()
    out: list[str] = []
    skipping = False
    for line in lines:
        key = line.split(":", 1)[0] if not line.startswith(" ") else None
        if key is not None:
            skipping = False
            if key in changes:
                skipping = True
                if changes[key] is not None:
                    out.append(f"{key}: {changes[key]}")
                continue
        elif skipping:
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def only_problem(path: Path) -> str:
    problems = check_knowledge([path.parent.parent], today=TODAY)
    assert len(problems) == 1, [str(p) for p in problems]
    return str(problems[0])


def test_problem_prints_as_path_line_field_message() -> None:
    assert str(Problem(Path("a/b.md"), 3, "id", "missing")) == "a/b.md:3: id: missing"


def test_a_valid_article_has_no_problems(write_article: WriteArticle) -> None:
    path = write_article()
    assert check_knowledge([path.parent.parent], today=TODAY) == []


def test_yaml_syntax_error_points_at_its_line(write_article: WriteArticle) -> None:
    path = write_article(front=front(title="Registerutdrag: vad: gäller"))
    assert only_problem(path).startswith(f"{path}:4: yaml: syntax error")


def test_missing_required_field(write_article: WriteArticle) -> None:
    path = write_article(front=front(owner=None))
    assert only_problem(path) == f"{path}:1: owner: missing required field"


def test_empty_required_field_points_at_its_line(write_article: WriteArticle) -> None:
    path = write_article(front=front(title='""'))
    assert only_problem(path) == f"{path}:4: title: must not be empty"


def test_wrong_type_for_a_list_field(write_article: WriteArticle) -> None:
    path = write_article(front=front(tags="{a: b}"))
    assert only_problem(path) == (
        f"{path}:7: tags: wrong type: expected a list of strings, e.g. [a, b]"
    )


def test_wrong_type_for_a_single_value(write_article: WriteArticle) -> None:
    path = write_article(front=front(title="[a, b]"))
    assert only_problem(path).startswith(f"{path}:4: title: wrong type")


def test_unknown_field_is_an_error(write_article: WriteArticle) -> None:
    path = write_article(front=front() + "tag: [typo]\n")
    assert only_problem(path).startswith(f"{path}:13: tag: unknown field")


def test_duplicate_id_in_the_same_language(write_article: WriteArticle) -> None:
    first = write_article()
    copy = write_article(folder="tmp")  # same id and lang, another folder of the dir
    assert only_problem(copy) == (
        f"{copy}:2: id: duplicate id 'example' for lang sv (also in {first})"
    )


def test_lang_must_match_the_folder(write_article: WriteArticle) -> None:
    path = write_article(folder="en")
    assert only_problem(path) == f"{path}:3: lang: 'sv' does not match the folder 'en'"


def test_bad_date(write_article: WriteArticle) -> None:
    path = write_article(front=front(reviewed="2026-13-01"))
    assert only_problem(path) == f"{path}:10: reviewed: '2026-13-01' is not a date (YYYY-MM-DD)"


def test_future_date(write_article: WriteArticle) -> None:
    path = write_article(front=front(reviewed="2026-12-24"))
    assert only_problem(path) == f"{path}:10: reviewed: 2026-12-24 is in the future"


def test_unknown_related_id(write_article: WriteArticle) -> None:
    path = write_article(front=front(related="[nowhere]"))
    assert only_problem(path) == f"{path}:12: related: unknown id 'nowhere'"


def test_sv_and_en_must_cite_the_same_gdpr_articles(write_article: WriteArticle) -> None:
    write_article(lang="sv")
    english = write_article(lang="en", front=front(lang="en", gdpr='["15", "12(3)"]'))
    assert only_problem(english).startswith(f"{english}:8: gdpr: refs ['12(3)', '15'] differ")


def test_empty_body(write_article: WriteArticle) -> None:
    path = write_article(body="\n  \n")
    assert only_problem(path) == f"{path}:14: body: is empty"


def test_missing_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "kb" / "sv" / "example.md"
    path.parent.mkdir(parents=True)
    path.write_text("Just text\n", encoding="utf-8")
    assert only_problem(path) == f"{path}:1: front matter: file must start with a '---' line"


def test_id_must_match_the_file_name(write_article: WriteArticle) -> None:
    path = write_article("other", front=VALID_FRONT_MATTER.format(id="example", lang="sv"))
    assert only_problem(path) == f"{path}:2: id: 'example' does not match the file name 'other.md'"


def test_loading_a_broken_base_raises_with_every_problem(write_article: WriteArticle) -> None:
    path = write_article(front=front(owner=None, reviewed="soon"))
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge_base([path.parent.parent], include_shipped=False, today=TODAY)
    assert [p.field for p in raised.value.problems] == ["owner", "reviewed"]


def test_an_extra_dir_overrides_a_shipped_article_by_id_and_lang(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    from knowledge import SHIPPED_DIR

    shipped = sorted((SHIPPED_DIR / "sv").glob("*.md"))
    if not shipped:
        pytest.skip("no shipped Swedish articles yet")
    article_id = shipped[0].stem
    overlay = tmp_path / "overlay"
    text = shipped[0].read_text(encoding="utf-8")
    head, _, _ = text.partition("\n---\n")
    write_article(
        article_id, front=head.removeprefix("---\n") + "\n", body="Vårt eget svar.\n", root=overlay
    )
    kb = load_knowledge_base([overlay])
    overridden = kb.get(article_id, "sv")
    assert overridden is not None and overridden.body == "Vårt eget svar."
    assert kb.get(article_id, "en") is not None  # the other language is untouched


def test_an_extra_dir_adds_articles(write_article: WriteArticle, tmp_path: Path) -> None:
    write_article("our-own-routine", root=tmp_path / "overlay")
    kb = load_knowledge_base([tmp_path / "overlay"])
    assert kb.get("our-own-routine", "sv") is not None


def test_needs_client_is_true_or_false(write_article: WriteArticle) -> None:
    front = VALID_FRONT_MATTER.format(id="example", lang="sv") + "needs_client: maybe\n"
    path = write_article(front=front)
    [problem] = check_knowledge([path.parent.parent])
    assert problem.field == "needs_client" and "true or false" in problem.message


def test_a_rights_request_article_is_marked_for_the_client_desk(
    write_article: WriteArticle,
) -> None:
    front = VALID_FRONT_MATTER.format(id="example", lang="sv") + "needs_client: true\n"
    path = write_article(front=front)
    [article] = load_knowledge_base([path.parent.parent], include_shipped=False).articles
    assert article.needs_client


def test_an_unknown_placeholder_names_its_line(write_article: WriteArticle) -> None:
    path = write_article(body="Första raden.\n\nRing {{client.fax}} direkt.\n")
    [problem] = check_knowledge([path.parent.parent])
    assert problem.field == "body" and "client.fax" in problem.message
    assert problem.line == 16  # the body's third line, counting the front matter


@pytest.mark.parametrize(
    "typed", ["{{client.controller", "{{ Client.Controller }}", "{{dpo contact}}"]
)
def test_a_placeholder_that_is_not_one_names_its_line(
    write_article: WriteArticle, typed: str
) -> None:
    # it matched no placeholder, so it was neither checked nor filled: readers saw the braces
    path = write_article(body=f"Första raden.\n\nSkriv till {typed} direkt.\n")
    [problem] = check_knowledge([path.parent.parent])
    assert (problem.field, problem.line) == ("body", 16)
    assert problem.message.startswith(f"'{typed}") and "is not a placeholder" in problem.message


def test_known_placeholders_render_with_a_generic_fallback() -> None:
    from knowledge.placeholders import render

    text = "Hänvisa till {{client.controller}} eller {{dpo_contact}}."
    assert render(text, "sv", {"dpo_contact": "Dana"}) == (
        "Hänvisa till uppdragsgivaren (den personuppgiftsansvarige) eller Dana."
    )
    assert "Acme AB" in render(text, "en", {"client.controller": "Acme AB"})


def test_a_merged_article_answers_for_its_old_id(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    front = VALID_FRONT_MATTER.format(id="example", lang="sv") + "replaces: [old-example]\n"
    path = write_article(front=front)
    kb = load_knowledge_base([path.parent.parent], include_shipped=False)
    found = kb.get("old-example", "sv")
    assert found is not None and found.id == "example"
    assert kb.resolve("old-example") == "example"


def test_a_replaced_id_must_not_also_exist(write_article: WriteArticle) -> None:
    front = VALID_FRONT_MATTER.format(id="example", lang="sv") + "replaces: [other]\n"
    write_article(front=front)
    path = write_article("other")
    problems = check_knowledge([path.parent.parent])
    assert any(p.field == "replaces" and "'other'" in p.message for p in problems)


def test_a_knowledge_folder_that_is_a_file_or_missing_says_which(tmp_path: Path) -> None:
    # it was "path:0: dir: is not a directory" for both (line 0 does not exist)
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    problems = check_knowledge([tmp_path / "notes.txt", tmp_path / "gone"])
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'notes.txt'}:1: folder: is a file, not a folder of articles",
        f"{tmp_path / 'gone'}:1: folder: does not exist",
    ]
