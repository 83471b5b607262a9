"""The ticket store: verdicts, tickets, the alert outbox (and feedback) in one SQL database.

`schema` has the tables, `tickets` the pure ticket logic and read models, `engine` the URL and
engine (SQLite or PostgreSQL) and `ticket_store` the `Store` that writes them in one transaction.
"""

from sentinel.store.engine import DEFAULT_DB, StoreError, database_url, ensure_sqlite_folder
from sentinel.store.schema import Base, OutboxRow, TicketRow, VerdictRow
from sentinel.store.ticket_store import Store
from sentinel.store.tickets import (
    AlertBuilder,
    OutboxItem,
    RecordResult,
    Ticket,
    TicketMove,
    due_in_ticket_order,
    ticket_move,
)

__all__ = [
    "DEFAULT_DB",
    "AlertBuilder",
    "Base",
    "OutboxItem",
    "OutboxRow",
    "RecordResult",
    "Store",
    "StoreError",
    "Ticket",
    "TicketMove",
    "TicketRow",
    "VerdictRow",
    "database_url",
    "due_in_ticket_order",
    "ensure_sqlite_folder",
    "ticket_move",
]
