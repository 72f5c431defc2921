"""Migrated databases for the contract tests, without running the migrations per test.

Migrating an empty PostgreSQL schema costs about 0.4 s (alembic, then some 150 DDL
statements, each creating files on the server) and dropping it another 0.1 s; the suite
does that for some 300 tests. `SchemaPool` migrates a schema once, with `create_schema`
as ever, and after each test empties it and hands it to the next test under a new name:

- emptied: every table's rows deleted (triggers off for this one transaction, so the
  ledger's append-only rule and foreign keys do not stand in the way), the rows the
  migrations wrote copied back from a pristine template schema, every sequence set back
  to the template's state;
- checked first: if the test changed the schema's structure (any catalogue row of its
  tables, columns, defaults, constraints, indexes, triggers, functions, types, sequences,
  policies or rules written after the schema was lent, or one of them gone, or the
  schema's grants), it is dropped instead and a fresh one migrated for a later test;
- renamed: the next test gets a name never used before, so a process left over from the
  last test finds no schema rather than the next test's rows.

SQLite: the migrated file is copied (`copy_migrated_sqlite`).
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from storage.engines import make_engine
from storage.migrate import create_schema

# Everything about a schema's structure that a test could change and the next test
# could notice. `{schema}` is replaced by a placeholder before hashing.
_CATALOGUE = """
SELECT 'rel ' || c.relname || ' ' || c.relkind::text || ' ' || c.relpersistence::text
       || ' ' || pg_get_userbyid(c.relowner) || ' ' || coalesce(c.relacl::text, '')
       || ' ' || c.relrowsecurity::text || ' ' || c.relhastriggers::text
  FROM pg_class c WHERE c.relnamespace = :oid
UNION ALL
SELECT 'col ' || c.relname || ' ' || a.attnum || ' ' || a.attname || ' '
       || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' '
       || a.attisdropped::text || ' ' || a.attidentity::text || ' ' || a.attgenerated::text
       || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
       || ' ' || coalesce(a.attacl::text, '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = :oid AND a.attnum > 0
UNION ALL
SELECT 'con ' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = :oid
UNION ALL
SELECT 'idx ' || pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = :oid
UNION ALL
SELECT 'trg ' || t.tgenabled::text || ' ' || CASE WHEN t.tgisinternal  -- named by oid
       THEN coalesce(k.conname, '') || ' ' || c.relname || ' ' || t.tgtype
       ELSE pg_get_triggerdef(t.oid) END
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  LEFT JOIN pg_constraint k ON k.oid = t.tgconstraint WHERE c.relnamespace = :oid
UNION ALL
SELECT 'fn ' || p.proname || ' ' || pg_get_function_identity_arguments(p.oid) || ' '
       || md5(p.prosrc) || ' ' || coalesce(p.proconfig::text, '') || ' '
       || coalesce(p.proacl::text, '') || ' ' || pg_get_userbyid(p.proowner)
  FROM pg_proc p WHERE p.pronamespace = :oid
UNION ALL
SELECT 'view ' || c.relname || ' ' || pg_get_viewdef(c.oid)
  FROM pg_class c WHERE c.relnamespace = :oid AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'seq ' || s.sequencename || ' ' || s.data_type::text || ' ' || s.start_value || ' '
       || s.increment_by || ' ' || s.min_value || ' ' || s.max_value || ' '
       || s.cache_size || ' ' || s.cycle::text
  FROM pg_sequences s WHERE s.schemaname = :name
UNION ALL
SELECT 'pol ' || p.polname || ' ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '')
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = :oid
UNION ALL
SELECT 'type ' || t.typname FROM pg_type t WHERE t.typnamespace = :oid
UNION ALL
SELECT 'schema ' || pg_get_userbyid(n.nspowner) || ' ' || coalesce(n.nspacl::text, '')
  FROM pg_namespace n WHERE n.oid = :oid
"""


# Per catalogue: the rows of the schema's relations (by oid, noted when it was migrated)
# and of its members (pg_depend), and those written after transaction :marker. A test's
# DDL (ALTER, GRANT, DISABLE TRIGGER, CREATE, DROP ...) writes or removes such rows; DML
# never does. Index lookups only: the shared server's pg_class is too big to scan per test.
_STRUCTURE = """
WITH rel AS MATERIALIZED (
    SELECT oid, xmin, reltype FROM pg_class WHERE oid = ANY(CAST(:relations AS oid[]))),
member AS MATERIALIZED (
    SELECT classid, objid, xmin FROM pg_depend
     WHERE refclassid = 'pg_namespace'::regclass AND refobjid = :oid),
rows(catalogue, written) AS (
          SELECT 'class', xmin FROM rel
UNION ALL SELECT 'member', xmin FROM member
UNION ALL SELECT 'type', y.xmin FROM pg_type y JOIN rel ON y.oid = rel.reltype
UNION ALL SELECT 'attribute', a.xmin FROM pg_attribute a JOIN rel ON rel.oid = a.attrelid
UNION ALL SELECT 'attrdef', d.xmin FROM pg_attrdef d JOIN rel ON rel.oid = d.adrelid
UNION ALL SELECT 'constraint', k.xmin FROM pg_constraint k JOIN rel ON rel.oid = k.conrelid
UNION ALL SELECT 'index', i.xmin FROM pg_index i JOIN rel ON rel.oid = i.indrelid
UNION ALL SELECT 'trigger', t.xmin FROM pg_trigger t JOIN rel ON rel.oid = t.tgrelid
UNION ALL SELECT 'sequence', q.xmin FROM pg_sequence q JOIN rel ON rel.oid = q.seqrelid
UNION ALL SELECT 'policy', p.xmin FROM pg_policy p JOIN rel ON rel.oid = p.polrelid
UNION ALL SELECT 'rule', r.xmin FROM pg_rewrite r JOIN rel ON rel.oid = r.ev_class
UNION ALL SELECT 'proc', f.xmin FROM pg_proc f
            JOIN member ON member.classid = 'pg_proc'::regclass AND member.objid = f.oid
)
SELECT catalogue, count(*), count(*) FILTER (WHERE age(written) < age(CAST(:marker AS xid)))
  FROM rows GROUP BY catalogue
UNION ALL
SELECT 'schema ' || pg_get_userbyid(nspowner) || ' ' || coalesce(nspacl::text, ''), 0, 0
  FROM pg_namespace WHERE oid = :oid
"""


def _fresh_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_url(admin_url: str, schema: str) -> str:
    """`admin_url` with its search_path set to `schema` (as the `postgres_url` fixture)."""
    return f"{admin_url}?options=-csearch_path%3D{schema}"


def _marker(conn: Connection) -> str:
    """This transaction's id: catalogue rows written later are younger than it."""
    return str(conn.execute(text("SELECT txid_current() % 4294967296")).scalar_one())


def _relations(conn: Connection, schema: str) -> list[int]:
    query = "SELECT oid FROM pg_class WHERE relnamespace = CAST(:name AS regnamespace)"
    return [int(oid) for oid in conn.execute(text(query), {"name": schema}).scalars()]


def _structure(
    conn: Connection, schema: str, relations: list[int], marker: str
) -> tuple[dict[str, int], int]:
    """Rows per catalogue (and the schema's owner and grants), and how many were written
    after `marker`."""
    oid = conn.execute(text("SELECT CAST(:name AS regnamespace)::oid"), {"name": schema})
    rows = conn.execute(
        text(_STRUCTURE), {"oid": oid.scalar_one(), "relations": relations, "marker": marker}
    ).all()
    return {str(name): int(count) for name, count, _ in rows}, sum(int(n) for *_, n in rows)


def fingerprint(conn: Connection, schema: str) -> str:
    """Everything about the schema's structure, as text hashed (slow: for tests)."""
    conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    oid = conn.execute(text("SELECT :name ::regnamespace::oid"), {"name": schema}).scalar_one()
    rows = conn.execute(text(_CATALOGUE), {"oid": oid, "name": schema}).scalars().all()
    listing = "\n".join(sorted(str(row).replace(schema, "{schema}") for row in rows))
    return hashlib.sha256(listing.encode()).hexdigest()


class SchemaPool:
    """Migrated schemas for one test process, each lent to one test at a time."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin: Engine = create_engine(admin_url, poolclass=NullPool)
        self.free: list[str] = []
        self.lent: set[str] = set()
        self.left_behind: list[str] = []
        self.markers: dict[str, str] = {}  # schema -> transaction it was (re)lent after
        self.relations: dict[str, list[int]] = {}  # schema -> its relations' oids
        self.template = self._migrated()  # never lent: the rows and sequences to go back to
        with self.admin.connect() as conn:
            self.expected, _ = _structure(
                conn,
                self.template,
                self.relations[self.template],
                self.markers[self.template],
            )
            self.tables = list(  # the same in every lent schema: its structure is checked
                conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"),
                    {"s": self.template},
                ).scalars()
            )
            t = _quote(self.template)
            self.seeded = [  # the rows the migrations wrote (the ledger's genesis head, ...)
                table
                for table in self.tables
                if conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {t}.{_quote(table)})")).scalar()
            ]
            self.sequences = [
                (str(name), int(start if last is None else last), last is not None)
                for name, start, last in conn.execute(
                    text(
                        "SELECT sequencename, start_value, last_value FROM pg_sequences"
                        " WHERE schemaname = :s ORDER BY sequencename"
                    ),
                    {"s": self.template},
                )
            ]

    def _migrated(self) -> str:
        """A new schema brought to head by `create_schema`, as every start of the bot would."""
        schema = _fresh_name()
        with self.admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {_quote(schema)}"))
        engine = make_engine(schema_url(self.admin_url, schema))
        try:
            create_schema(engine)
        finally:
            engine.dispose()
        with self.admin.begin() as conn:
            self.relations[schema] = _relations(conn, schema)
            self.markers[schema] = _marker(conn)
        return schema

    def lend(self) -> str:
        """A schema at head holding only what the migrations wrote; its name is new."""
        schema = self.free.pop() if self.free else self._migrated()
        self.lent.add(schema)
        return schema

    def take_back(self, schema: str) -> None:
        """Empty the schema and keep it for the next test, or drop it if the test changed
        its structure (or a lock held by a leftover connection stops the emptying)."""
        self.lent.discard(schema)
        marker, relations = self.markers.pop(schema), self.relations.pop(schema)
        try:
            kept = self._reset(schema, relations, marker)
        except Exception:
            self.left_behind.append(schema)  # dropped at the end, when its holders are gone
            return
        if kept:
            self.free.append(kept)
        else:
            self._drop(schema)

    def _reset(self, schema: str, relations: list[int], marker: str) -> str | None:
        """If its structure is as lent, in one transaction: delete every row, copy the
        template's back, set the sequences back, rename. The new name, else None."""
        renamed = _fresh_name()
        q, t = _quote(schema), _quote(self.template)
        with self.admin.begin() as conn:
            counts, written = _structure(conn, schema, relations, marker)
            if counts != self.expected or written:
                return None
            statements = [
                "SET LOCAL lock_timeout = '20s'",
                "SET LOCAL synchronous_commit = off",  # test data: no need to wait for the disk
                "SET LOCAL session_replication_role = replica",
                *(f"DELETE FROM {q}.{_quote(table)}" for table in self.tables),
                *(
                    f"INSERT INTO {q}.{_quote(table)} OVERRIDING SYSTEM VALUE "
                    f"SELECT * FROM {t}.{_quote(table)}"
                    for table in self.seeded
                ),
                *(
                    f"SELECT setval('{q}.{_quote(name)}', {value}, {called})"
                    for name, value, called in self.sequences
                ),
                f"ALTER SCHEMA {q} RENAME TO {_quote(renamed)}",
            ]
            conn.exec_driver_sql(";\n".join(statements))
            self.markers[renamed] = _marker(conn)
        self.relations[renamed] = relations
        return renamed

    def _drop(self, schema: str) -> None:
        with self.admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE"))

    def close(self) -> None:
        for schema in [*self.free, *self.lent, *self.left_behind, self.template]:
            self._drop(schema)
        self.admin.dispose()


def migrate_sqlite(path: Path) -> Path:
    """A SQLite file at head (`create_schema`), closed so that it is one file."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        create_schema(engine)
    finally:
        engine.dispose()
    leftovers = [p for p in (path.with_name(path.name + s) for s in ("-wal", "-shm")) if p.exists()]
    assert leftovers == [], f"the migrated SQLite file is not closed: {leftovers}"
    return path


def copy_migrated_sqlite(template: Path, path: Path) -> None:
    shutil.copyfile(template, path)
