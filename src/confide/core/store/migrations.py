"""Numbered schema migrations, tracked with ``PRAGMA user_version``.

Rules for adding version N+1:

1. Write ``schema_vN+1.py`` (or a function here) that changes a version-N database into a
   version-N+1 one, and append it to ``MIGRATIONS``. Never edit an old step.
2. *Before* changing anything else, run ``tests/data/store_versions/generate.py`` at the
   commit that still writes version N, if ``vN.db`` is not there yet, and commit the fixture.
   The migration test opens every fixture and checks that nothing was lost.
3. A step that rebuilds a table sets ``foreign_keys_off`` (SQLite's 12-step procedure).

Each step runs in its own transaction together with the ``user_version`` bump, so a failed or
interrupted migration leaves the database at the previous version. An encrypted backup is
taken before the first step whenever an existing database is upgraded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from confide.core.store import schema_v1, schema_v2
from confide.core.store.clock import Clock
from confide.core.store.database import Connection, Database
from confide.core.store.errors import StoreError, StoreErrorKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection, int], None]
    """Called with the connection inside the step's transaction and "now" in epoch ms."""
    foreign_keys_off: bool = False


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", schema_v1.apply),
    Migration(2, "stream logs replace stream slots", schema_v2.apply),
)
LATEST_VERSION = MIGRATIONS[-1].version


def check_sequence(migrations: Sequence[Migration]) -> None:
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migrations must be numbered 1..N without gaps, got {versions}")


check_sequence(MIGRATIONS)


def migrate(
    db: Database,
    clock: Clock,
    *,
    backup: Callable[[int], object] | None = None,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> list[int]:
    """Brings the database to the newest version; returns the versions applied.

    ``backup(current_version)`` is called once before the first step if the database
    already had a schema (a brand-new database has nothing to lose).
    """
    check_sequence(migrations)
    latest = migrations[-1].version
    current = db.user_version
    if current > latest:
        raise StoreError(
            StoreErrorKind.TOO_NEW,
            f"database schema {current} is newer than this version of Confide ({latest})",
        )
    steps = [m for m in migrations if m.version > current]
    if not steps:
        return []
    if current > 0 and backup is not None:
        backup(current)
    for step in steps:
        log.info("migrating the database to schema %d (%s)", step.version, step.description)
        if step.foreign_keys_off:
            db.execute("disabling foreign keys", "PRAGMA foreign_keys = OFF")
        try:
            with db.transaction(f"migrating to schema {step.version}") as conn:
                step.apply(conn, clock())
                if step.foreign_keys_off and conn.execute("PRAGMA foreign_key_check").fetchone():
                    raise RuntimeError(f"migration {step.version} broke a foreign key")
                conn.execute(f"PRAGMA user_version = {step.version}")
        finally:
            if step.foreign_keys_off:
                db.execute("enabling foreign keys", "PRAGMA foreign_keys = ON")
    return [step.version for step in steps]
