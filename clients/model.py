"""The values of the client directory: who each client is and how to refer a caller to it.

Every client of a customer-service company is the controller (personuppgiftsansvarig) for
its customers' data; the service company answers for it as its processor
(personuppgiftsbiträde). These values say which controller to name, where a data-subject
request goes, how fast the service company promised to forward it, what the agent says to
the caller, and how long the client keeps what.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["sv", "en"]
LANGS: tuple[Lang, ...] = ("sv", "en")


@dataclass(frozen=True)
class Texts:
    """One text in Swedish and English."""

    sv: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.sv if lang == "sv" else self.en

    def as_json(self) -> dict[str, str]:
        return {"sv": self.sv, "en": self.en}


@dataclass(frozen=True)
class RightsRequests:
    """Where a caller's request goes (at least one of e-mail, URL, phone) and the promise."""

    email: str | None
    url: str | None
    phone: str | None
    forward_within_business_days: int
    script: Texts  # what the agent says to the caller; may use {{client.*}} placeholders

    def contacts(self) -> tuple[tuple[str, str], ...]:
        """(kind, value) for each contact that exists, in the order e-mail, URL, phone."""
        found = (("email", self.email), ("url", self.url), ("phone", self.phone))
        return tuple((kind, value) for kind, value in found if value)


@dataclass(frozen=True)
class Retention:
    """One line of the client's retention rules: which data, kept how long."""

    data: Texts
    keep: Texts


@dataclass(frozen=True, repr=False)
class Client:
    id: str
    name: str
    controller: str  # the legal entity, e.g. "Acme AB (556000-0000)"
    rights_requests: RightsRequests
    aliases: tuple[str, ...] = ()  # how agents say it, besides the name
    retention: tuple[Retention, ...] = ()
    channels: tuple[str, ...] = ()  # Slack `C…`/`G…` and Teams `19:…@thread.…` channel ids
    # who leads the agents serving this client: `slack:U…` / `teams:<AAD id>` (escalations)
    team_leads: tuple[str, ...] = ()
    source: str = ""  # `path:line` of the entry, for messages

    def __repr__(self) -> str:  # short: clients appear inside mentions and test failures
        return f"Client(id={self.id!r}, name={self.name!r})"

    def as_json(self) -> dict[str, object]:
        rights = self.rights_requests
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "controller": self.controller,
            "rights_requests": {
                "email": rights.email,
                "url": rights.url,
                "phone": rights.phone,
                "forward_within_business_days": rights.forward_within_business_days,
                "script": rights.script.as_json(),
            },
            "retention": [
                {"data": rule.data.as_json(), "keep": rule.keep.as_json()}
                for rule in self.retention
            ],
            "channels": list(self.channels),
            "team_leads": list(self.team_leads),
        }
