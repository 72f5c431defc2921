"""An article body's parts: the short direct answer (with its steps) and the details."""

from __future__ import annotations

import re

_STEPS_HEADINGS = ("så gör du", "what you do", "what to do")


def split_body(body: str) -> tuple[str, str]:
    """(short answer: first paragraph plus the steps section, details: everything else)."""
    blocks = re.split(r"\n(?=## )", body.strip())
    intro = blocks[0].strip()
    first, _, rest_of_intro = intro.partition("\n\n")
    short = [first.strip()]
    details = [rest_of_intro.strip()] if rest_of_intro.strip() else []
    for block in blocks[1:]:
        heading = block.splitlines()[0].lstrip("#").strip()
        if heading.lower().startswith(_STEPS_HEADINGS):
            short.append(block.strip())
        else:
            details.append(block.strip())
    return "\n\n".join(short), "\n\n".join(details)


def direct_answer(body: str) -> str:
    """The first paragraph alone: the key fact, as the index and the encoder see it."""
    return body.strip().partition("\n\n")[0].strip()
