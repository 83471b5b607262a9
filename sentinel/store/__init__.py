"""The ticket store: verdicts, tickets, the alert outbox and feedback in one SQL database.

`schema` has the tables, `tickets` the pure ticket logic and read models, `engine` the URL and
engine (SQLite or PostgreSQL), `feedback` engineers' judgements of tickets and `ticket_store`
the `Store` that writes them, one transaction per call.
"""

from sentinel.store.engine import DEFAULT_DB, StoreError, database_url, ensure_sqlite_folder
from sentinel.store.feedback import Feedback, Judgement
from sentinel.store.schema import Base, FeedbackRow, OutboxRow, TicketRow, VerdictRow
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
    "Feedback",
    "FeedbackRow",
    "Judgement",
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
