"""The bot's own GDPR duties: access (Art. 15), erasure (Art. 17) and retention (Art. 5(1)(e)).

Identities live only in the `people` table (platform ids, display names, e-mail
addresses) and in the conversation references Teams needs for proactive messages.
Everything else, including the hash-chained ledger, refers to an opaque person key.

- `export_person`: everything held about one person (looked up by platform user id or
  e-mail address), as a JSON-ready dict, and nothing about anyone else.
- `erase_person`: blank the person's identity (the row stays as a tombstone with
  `erased_at`, so evidence still points at a key), delete their conversation references,
  unlink any question-log rows, cancel messages still waiting for them, and append a
  `person.erased` ledger entry holding the key only. The ledger is never rewritten, so
  `audit verify` stays clean; reports show the person as "erased person".
- `pseudonymise_old_identities`: the same for everyone whose newest evidence is older
  than `GDPRBOT_EVIDENCE_YEARS` years (and who has no open routine waiting for them).
- `forget_idle_identities`: the identity of everyone with no evidence and no routine ever
  assigned, not seen for `GDPRBOT_IDENTITY_IDLE_DAYS` days.
- `run_daily`: the daily privacy job: those, plus every purge (question log, event
  dedupe, inbox, report files, web access, the rights-request register).
"""

from bot.privacy.erase import Erasure, erase_person
from bot.privacy.export import EXPORT_FORMAT, export_person
from bot.privacy.lookup import PersonNotFound, find_people
from bot.privacy.retention import (
    DailyPrivacyJob,
    DailyResult,
    forget_idle_identities,
    pseudonymise_old_identities,
    run_daily,
    years_before,
)

__all__ = [
    "EXPORT_FORMAT",
    "DailyPrivacyJob",
    "DailyResult",
    "Erasure",
    "PersonNotFound",
    "erase_person",
    "export_person",
    "find_people",
    "forget_idle_identities",
    "pseudonymise_old_identities",
    "run_daily",
    "years_before",
]
