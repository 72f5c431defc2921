"""Exactly once by the database: insert a row unless its unique key already exists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_once(session: Session, model: Any, values: Mapping[str, Any]) -> Any | None:
    """INSERT ... ON CONFLICT DO NOTHING; the new primary key, or None if the row existed."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    pk = model.__table__.primary_key.columns.values()[0]
    stmt = module.insert(model).values(**values).on_conflict_do_nothing().returning(pk)
    return session.execute(stmt).scalar()
