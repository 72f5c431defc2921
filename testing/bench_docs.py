"""docs/performance.md as the benchmarks keep it: each run appends its line to its section."""

from __future__ import annotations

from pathlib import Path


def append_to_section(path: Path, heading: str, intro: str, line: str) -> None:
    """Append `line` at the end of the `heading` section ("## ..."); a missing section is
    created at the end of the file with `intro` (its first paragraph) before the line."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if heading not in text:
        block = f"\n{heading}\n\n{intro}\n\n" if intro else f"\n{heading}\n\n"
        path.write_text(text.rstrip("\n") + "\n" + block + line, encoding="utf-8")
        return
    start = text.index(heading)
    following = text.find("\n## ", start + len(heading))
    end = len(text) if following == -1 else following + 1
    section = text[start:end].rstrip("\n") + "\n" + line
    rest = "\n" + text[end:] if following != -1 else ""
    path.write_text(text[:start] + section + rest, encoding="utf-8")
