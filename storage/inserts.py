"""Exactly once by the database: insert a row unless its unique key already exists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# One statement per (dialect, model), built once: the values go in as parameters, so a
# click's insert costs no statement construction nor cache-key work (a burst does
# thousands).
_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def insert_once(session: Session, model: Any, values: Mapping[str, Any]) -> Any | None:
    """INSERT ... ON CONFLICT DO NOTHING; the new primary key, or None if the row existed."""
    dialect = session.get_bind().dialect.name
    statement = _STATEMENTS.get((dialect, model))
    if statement is None:
        module: Any = postgresql if dialect == "postgresql" else sqlite
        table = model.__table__
        pk = table.primary_key.columns.values()[0]
        statement = module.insert(table).on_conflict_do_nothing().returning(pk)
        _STATEMENTS[(dialect, model)] = statement
    return session.execute(statement, dict(values)).scalar()


def insert_new(
    session: Session, model: Any, rows: Sequence[Mapping[str, Any]], key: tuple[str, ...]
) -> set[tuple[Any, ...]]:
    """`insert_once` for many rows in one statement: the `key` columns' values of the rows
    inserted (a row whose unique key existed is not among them)."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    statement = _STATEMENTS.get((dialect, model, key))
    if statement is None:
        module: Any = postgresql if dialect == "postgresql" else sqlite
        table = model.__table__
        statement = (
            module.insert(table)
            .on_conflict_do_nothing()
            .returning(*(table.c[column] for column in key))
        )
        _STATEMENTS[(dialect, model, key)] = statement
    return {tuple(row) for row in session.execute(statement, [dict(row) for row in rows])}
