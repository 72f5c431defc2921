"""README's counts of the shipped content match the files (edit README with the content)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
LANGS = ("sv", "en")


def stated(pattern: str) -> int:
    found = re.search(pattern, README)
    assert found, f"README no longer says {pattern!r}"
    return int(found.group(1))


def test_readme_counts_the_shipped_articles() -> None:
    counts = {len(list((REPO / "knowledge/content" / lang).glob("*.md"))) for lang in LANGS}

    assert counts == {stated(r"The shipped base has (\d+) articles in each language")}


def test_readme_counts_the_shipped_quiz_situations() -> None:
    counts = {
        sum(
            len(yaml.safe_load(path.read_text(encoding="utf-8"))["questions"])
            for path in (REPO / "knowledge/quiz" / lang).glob("*.yaml")
        )
        for lang in LANGS
    }

    assert counts == {stated(r"\((\d+) situations per language")}
