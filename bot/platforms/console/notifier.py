"""Routine notices on the console: printed, with the commands that stand in for buttons."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from routines.ports import Delivered, DeliveryError, Notice, Recipient


def render_notice_text(notice: Notice) -> str:
    """A notice as plain text, with the commands that stand in for its buttons."""
    lines = [f"** {notice.title} **", notice.text]
    if notice.due_date:
        lines.append(f"{notice.due_date.isoformat()}  {', '.join(notice.gdpr)}".rstrip())
    if notice.occurrence_id is not None and notice.actions:
        word = "kvittera" if notice.lang == "sv" else "ack"
        if any(action.kind == "quiz" for action in notice.actions):  # a training campaign
            word = "utbildning" if notice.lang == "sv" else "training"
        lines.append(f"-> {word} {notice.occurrence_id}")
    return "\n".join(line for line in lines if line)


class ConsoleNotifier:
    """Prints notices to the console chat (or any `write` callable)."""

    def __init__(self, write: Callable[[str], None] = print) -> None:
        self._write = write
        self._ids = itertools.count(1)
        self._ended = False

    def end(self) -> None:
        """The chat session is over: from now on nobody reads what is printed, so a notice
        is not delivered (it stays pending and goes out when a console is there again),
        and nothing is printed after the goodbye."""
        self._ended = True

    async def send(self, recipient: Recipient, notice: Notice) -> Delivered:
        self._print(notice)
        return Delivered(recipient=recipient, message_id=f"console-{next(self._ids)}")

    async def update(self, delivered: Delivered, notice: Notice) -> None:
        self._print(notice)

    def _print(self, notice: Notice) -> None:
        if self._ended:
            raise DeliveryError("the console session has ended")
        self._write(render_notice_text(notice))
