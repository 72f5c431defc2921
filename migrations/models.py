"""Every module that defines tables, so `Base.metadata` knows the whole schema.

Alembic's env.py imports them (autogenerate compares against them), and so does the test
that checks the migrations match the models. Add a module here when it adds a table.
"""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "storage.people",
    "storage.heartbeat",
    "routines.engine.models",
    "routines.engine.training",
    "routines.ledger",
    "routines.requests.models",
    "bot.records.references",
    "bot.records.events",
    "bot.records.inbox",
    "bot.records.questions",
    "bot.records.report_links",
    "bot.records.web_access",
)


def import_models() -> None:
    """Import every module that defines tables, so `Base.metadata` knows them all."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
