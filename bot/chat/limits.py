"""Every size limit the bot itself sets on what people and platforms send, in one place.

(Limits that a platform's API imposes on what we send, such as Slack's 3,000 characters
per section, stay beside the translation that must respect them.)
"""

from __future__ import annotations

from typing import Final

# A question is a few sentences; a pasted document is read up to here, and the question
# log keeps no more than this either.
MAX_QUESTION_CHARS: Final = 2000
# One HTTP request body on the bot's server (Slack events are small): bounds what an
# unauthenticated client can make us read.
MAX_REQUEST_BYTES: Final = 1024 * 1024
# Bot Framework activities are small; a body far beyond this is not one.
MAX_TEAMS_ACTIVITY_BYTES: Final = 256 * 1024
# Teams caps a message at about 28 KB; anything far beyond that is not a person typing.
MAX_TEAMS_TEXT_CHARS: Final = 40_000
