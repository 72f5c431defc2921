"""Benchmarks append their figures to their own section of docs/performance.md."""

from __future__ import annotations

from pathlib import Path

from testing.bench_docs import append_to_section


def test_a_line_goes_to_the_end_of_its_section_not_the_next(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## A\n\n- a1\n\n## B\n\n- b1\n", encoding="utf-8")

    append_to_section(doc, "## A", "about A", "- a2\n")

    assert doc.read_text(encoding="utf-8") == (
        "# Performance\n\n## A\n\n- a1\n- a2\n\n## B\n\n- b1\n"
    )


def test_a_missing_section_is_added_at_the_end_with_its_intro(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## A\n\n- a1\n", encoding="utf-8")

    append_to_section(doc, "## C", "What C measures.", "- c1\n")

    assert doc.read_text(encoding="utf-8").endswith(
        "## A\n\n- a1\n\n## C\n\nWhat C measures.\n\n- c1\n"
    )
