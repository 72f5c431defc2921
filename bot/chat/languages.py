"""Which language to reply in, and the language a person last wrote in per conversation.

`ReplyLanguage.of(text, incoming)`: a command word's own language ("hjälp", "help"), else
the detector's verdict (`Answerer.guess_language`: None when unsure), else the person's
last clear language in this conversation (`LanguageMemory`), else the default language.

"GDPR?", "dpo", an emoji or a name give no language away. A person who has just asked in
English should not be answered in Swedish because their next message was "dpia", so the
conversation remembers the language of each person's last message whose language was
clear, in that conversation, and replies in it when a message is unclear; without one,
the configured default language.

What is kept, and for how long (docs/privacy.md, "Retention"): in the process's memory
only, a keyed pseudonym of (platform, conversation, person) (`log_pseudonym`: its key is
made at start and never stored, so no id can be read back) and "sv" or "en". Never the
text. An entry goes `FORGET_AFTER` after that person's last clear message, or earlier when
more than `MAX_PEOPLE` people are remembered (the least recently seen first), and all of
them at a restart. With several workers each remembers its own: a message that reaches
another worker falls back to the default language, as before.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from bot.chat.commands import CommandTable, split_command
from bot.chat.i18n import normalise_lang
from bot.chat.messages import Incoming
from bot.chat.pseudonyms import log_pseudonym

log = logging.getLogger(__name__)

# A message's language, None when nothing in it gives the language away.
LanguageDetector = Callable[[str], str | None]

FORGET_AFTER: Final = timedelta(hours=8)  # a working day
MAX_PEOPLE: Final = 10_000


class LanguageMemory:
    """Each person's last clear language per conversation, for a while (see above)."""

    def __init__(
        self, *, forget_after: timedelta = FORGET_AFTER, max_people: int = MAX_PEOPLE
    ) -> None:
        self._forget_after = forget_after
        self._max_people = max_people
        self._seen: OrderedDict[str, tuple[str, datetime]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    @staticmethod
    def _key(incoming: Incoming) -> str | None:
        if not incoming.user_id:
            return None
        place = f"{incoming.platform}\x1f{incoming.conversation.conversation_id}"
        return log_pseudonym(f"{place}\x1f{incoming.user_id}")

    def remember(self, incoming: Incoming, lang: str, now: datetime) -> None:
        """`lang` was clear in this message: the person's language here from now on."""
        key = self._key(incoming)
        if key is None:
            return
        self._seen[key] = (lang, now)
        self._seen.move_to_end(key)
        while len(self._seen) > self._max_people:
            self._seen.popitem(last=False)

    def recall(self, incoming: Incoming, now: datetime) -> str | None:
        """The language of this person's last clear message here, None when there is none
        (or it is older than `forget_after`, which also forgets it)."""
        key = self._key(incoming)
        found = self._seen.get(key) if key is not None else None
        if found is None or key is None:
            return None
        lang, at = found
        if now - at > self._forget_after:
            del self._seen[key]
            return None
        return lang


class ReplyLanguage:
    """The reply language of a message (see the module's docstring)."""

    def __init__(
        self,
        commands: CommandTable,
        detect: LanguageDetector | None,
        default: str,
        clock: Callable[[], datetime],
        memory: LanguageMemory | None = None,
    ) -> None:
        self._commands = commands
        self._detect = detect
        self._default = default
        self._clock = clock
        self.memory = memory or LanguageMemory()

    def of(self, text: str, incoming: Incoming | None = None) -> str:
        return self.clear(text, incoming) or self._default

    def clear(self, text: str, incoming: Incoming | None) -> str | None:
        """The language `text` gives away (remembered for `incoming`'s person), else that
        person's last clear one in the conversation, else None."""
        found = self._commands.find(split_command(text)[0])
        said = found[1] if found is not None else None
        if said is None and self._detect is not None and text.strip():
            try:
                said = self._detect(text)
            except Exception:
                log.warning("language detection failed", exc_info=True)
        if said is None:
            return self.memory.recall(incoming, self._clock()) if incoming else None
        said = normalise_lang(said, self._default)
        if incoming is not None:
            self.memory.remember(incoming, said, self._clock())
        return said
