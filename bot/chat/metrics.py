"""Prometheus metrics served at `/metrics`. Labels never carry people or message text."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "gdprbot_requests_total",
    "Incoming chat requests by platform and kind (message, action, command).",
    ["platform", "kind"],
    registry=REGISTRY,
)
ANSWERS = Counter(
    "gdprbot_answers_total",
    "Questions answered from the knowledge base, by language.",
    ["lang"],
    registry=REGISTRY,
)
FALLBACKS = Counter(
    "gdprbot_fallbacks_total",
    "Questions the bot did not answer (pointed to the DPO), by language.",
    ["lang"],
    registry=REGISTRY,
)
REMINDERS_POSTED = Counter(
    "gdprbot_reminders_posted_total",
    "Routine notices delivered, by kind (posted, reminder, escalation).",
    ["kind"],
    registry=REGISTRY,
)
CONFIRMATIONS = Counter(
    "gdprbot_confirmations_total",
    "Routine confirmations recorded, by outcome.",
    ["outcome"],
    registry=REGISTRY,
)
ERRORS = Counter(
    "gdprbot_errors_total",
    "Errors by kind (e.g. bad_signature, malformed_payload, delivery, database).",
    ["kind"],
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "gdprbot_request_seconds",
    "Time from a platform request arriving to the bot's reply being handed over.",
    ["platform"],
    registry=REGISTRY,
)


def render() -> tuple[bytes, str]:
    """The exposition body and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
