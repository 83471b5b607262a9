"""Where the store lives (a path or URL) and the engine for it: SQLite tuned for many writers,
PostgreSQL with pre-ping so a restarted server is reconnected to; which errors are worth a retry."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from sentinel.config import PROJECT_ROOT, Settings
from sentinel.errors import SentinelError

DEFAULT_DB = PROJECT_ROOT / "var" / "sentinel.db"


class StoreError(SentinelError):
    """The database is locked, down or rejected a write, even after retries."""


def is_locked(exc: BaseException) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    msg = str(exc.orig if exc.orig is not None else exc).lower()
    return "locked" in msg or "busy" in msg


def is_transient(exc: BaseException) -> bool:
    """Locked, busy, connection refused or dropped: the DBAPI's OperationalError family."""
    return isinstance(exc, OperationalError)


def database_url(db: str | Path | None = None, settings: Settings | None = None) -> str:
    """`--db` (a path or URL) wins, then DATABASE_URL, then var/sentinel.db."""
    if db is not None:
        s = str(db)
        return s if "://" in s else f"sqlite:///{Path(s).expanduser().resolve()}"
    settings = settings or Settings()
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return f"sqlite:///{DEFAULT_DB}"


def lock_key(namespace: str, key: str, conn: Connection) -> None:
    """PostgreSQL: hold a transaction-scoped advisory lock on (namespace, key) until commit."""
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:namespace), hashtext(:key))"),
        {"namespace": namespace, "key": key},
    )


def create_tables(engine: Engine, metadata: MetaData) -> None:
    """Create missing tables; on PostgreSQL under a lock, so two processes starting on an empty
    database do not both issue CREATE TABLE (the loser would fail on a duplicate type)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            lock_key("sentinel_schema", "create", conn)
        metadata.create_all(conn)


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<database>"


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite file (a fresh clone has no var/); other URLs untouched."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, busy_timeout_s: float) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(
        url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cur = dbapi_conn.cursor()
        if ":memory:" not in url:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front so two writers never deadlock upgrading a read lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
