"""Schema migrations for the central server's database (both backends).

Each migration is a numbered list of statements, applied once, in order, in
its own transaction, and recorded in ``schema_migrations``. Several server
processes may start at once: on PostgreSQL an advisory lock makes them take
turns; on SQLite ``BEGIN IMMEDIATE`` does. A database newer than this code is
refused rather than touched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from .db import Database, DatabaseError, Tx

# Type names differ a little between the backends; {big} is a 64-bit integer.
_TYPES = {
    "sqlite": {"big": "INTEGER", "serial": "INTEGER PRIMARY KEY AUTOINCREMENT"},
    "postgresql": {"big": "BIGINT", "serial": "BIGSERIAL PRIMARY KEY"},
}

def _backfill_board(tx: Tx) -> None:
    from .cases import backfill_board_columns  # cases imports much; only needed here

    backfill_board_columns(tx)


# A step is an SQL statement, or a function run in the migration's transaction.
MIGRATIONS: list[tuple[int, str, list[str | Callable[[Tx], None]]]] = [
    (
        1,
        "operators, tokens, seats, events, cases, reference data, audit",
        [
            """CREATE TABLE counters (name TEXT PRIMARY KEY, value {big} NOT NULL)""",
            """INSERT INTO counters (name, value) VALUES ('change_seq', 0), ('reference_version', 0), ('seat_no', 0)""",
            """CREATE TABLE operators (
                operator_id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                department TEXT,
                password_hash TEXT NOT NULL,
                active INTEGER NOT NULL DEFAULT 1,
                created_at TEXT NOT NULL)""",
            """CREATE TABLE tokens (
                token_hash TEXT PRIMARY KEY,
                operator_id TEXT NOT NULL REFERENCES operators(operator_id),
                seat_no INTEGER,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                revoked INTEGER NOT NULL DEFAULT 0)""",
            """CREATE INDEX tokens_operator ON tokens(operator_id)""",
            """CREATE TABLE login_attempts (
                id {serial},
                operator_id TEXT NOT NULL,
                client_ip TEXT NOT NULL,
                ok INTEGER NOT NULL,
                at TEXT NOT NULL)""",
            """CREATE INDEX login_attempts_operator ON login_attempts(operator_id, at)""",
            """CREATE INDEX login_attempts_ip ON login_attempts(client_ip, at)""",
            """CREATE TABLE seats (
                seat_no INTEGER PRIMARY KEY,
                seat_key TEXT NOT NULL UNIQUE,
                registered_at TEXT NOT NULL)""",
            """CREATE TABLE events (
                seq {big} PRIMARY KEY,
                event_id TEXT NOT NULL UNIQUE,
                case_no TEXT NOT NULL,
                type TEXT NOT NULL,
                version INTEGER NOT NULL,
                actor_id TEXT NOT NULL,
                actor_role TEXT NOT NULL,
                client_time TEXT NOT NULL,
                server_time TEXT NOT NULL,
                payload TEXT NOT NULL)""",
            """CREATE INDEX events_case ON events(case_no, seq)""",
            """CREATE TABLE cases (
                case_no TEXT PRIMARY KEY,
                version INTEGER NOT NULL,
                status TEXT NOT NULL,
                phone TEXT NOT NULL,
                category_code TEXT NOT NULL,
                district TEXT NOT NULL,
                channel TEXT NOT NULL,
                lead_department TEXT NOT NULL,
                seat_no INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                deadline TEXT NOT NULL,
                state TEXT NOT NULL)""",
            """CREATE INDEX cases_phone ON cases(phone, created_at)""",
            """CREATE INDEX cases_created ON cases(created_at)""",
            """CREATE INDEX cases_updated ON cases(updated_at)""",
            """CREATE INDEX cases_seat ON cases(seat_no, case_no)""",
            """CREATE TABLE case_access (
                case_no TEXT NOT NULL,
                department TEXT NOT NULL,
                PRIMARY KEY (case_no, department))""",
            """CREATE INDEX case_access_department ON case_access(department, case_no)""",
            """CREATE TABLE reference (
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                version {big} NOT NULL,
                deleted INTEGER NOT NULL DEFAULT 0,
                data TEXT NOT NULL,
                PRIMARY KEY (kind, key))""",
            """CREATE INDEX reference_version ON reference(kind, version)""",
            """CREATE TABLE audit_log (
                id {serial},
                at TEXT NOT NULL,
                operator_id TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NOT NULL,
                client_ip TEXT NOT NULL,
                detail TEXT NOT NULL)""",
            """CREATE INDEX audit_log_at ON audit_log(at)""",
        ],
    ),
    (
        2,
        "Open311 GeoReport v2: API keys and the extras of requests posted through it",
        [
            # Only a key's SHA-256 is kept; a name is unique among live keys,
            # so a revoked key's name can be issued again.
            """CREATE TABLE api_keys (
                id {serial},
                name TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                channel TEXT NOT NULL,
                created_at TEXT NOT NULL,
                revoked INTEGER NOT NULL DEFAULT 0,
                revoked_at TEXT NOT NULL DEFAULT '')""",
            """CREATE UNIQUE INDEX api_keys_live_name ON api_keys(name) WHERE revoked = 0""",
            # One row per case made by POST /open311/v2/requests: what the
            # case itself has no field for, and the request as published.
            # case_no is the service_request_id. Coordinates are kept as the
            # decimal text that was sent.
            """CREATE TABLE open311_requests (
                case_no TEXT PRIMARY KEY,
                token TEXT NOT NULL UNIQUE,
                api_key_id {big} NOT NULL,
                service_code TEXT NOT NULL,
                requested_at TEXT NOT NULL,
                description TEXT NOT NULL,
                address_string TEXT NOT NULL,
                address_id TEXT NOT NULL,
                lat TEXT NOT NULL,
                lng TEXT NOT NULL,
                media_url TEXT NOT NULL,
                attributes TEXT NOT NULL,
                email TEXT NOT NULL,
                device_id TEXT NOT NULL,
                account_id TEXT NOT NULL,
                locale TEXT NOT NULL)""",
            """CREATE INDEX open311_requests_requested ON open311_requests(requested_at)""",
        ],
    ),
    (
        3,
        "deadlines and the supervisor's board: case columns for SQL aggregates, callback outcomes",
        [
            # Copies of case state fields (see cases.case_columns), all text.
            *(
                f"ALTER TABLE cases ADD COLUMN {name} TEXT NOT NULL DEFAULT ''"
                for name in (
                    "urgency", "dispatched_at", "responded_at", "respond_by", "resolve_mode",
                    "satisfaction", "merged_into", "due_at", "warn_at", "due_kind",
                )
            ),
            # Cases with a department's deadline running: near/overdue by department.
            """CREATE INDEX cases_due ON cases(warn_at, due_at, lead_department) WHERE due_at <> ''""",
            """CREATE INDEX cases_merged_into ON cases(merged_into) WHERE merged_into <> ''""",
            # One row per callback event: the satisfaction rate counts callbacks.
            """CREATE TABLE callback_outcomes (
                seq {big} PRIMARY KEY,
                case_no TEXT NOT NULL,
                at TEXT NOT NULL,
                outcome TEXT NOT NULL)""",
            """CREATE INDEX callback_outcomes_at ON callback_outcomes(at)""",
            _backfill_board,
        ],
    ),
    (
        4,
        "attributable changes and a readable audit log: the seat of every event, audit indexes",
        [
            # The seat a change came from (NULL: from no seat, e.g. a channel or an old row).
            """ALTER TABLE events ADD COLUMN seat_no INTEGER""",
            """CREATE INDEX events_server_time ON events(server_time)""",
            """CREATE INDEX audit_log_operator ON audit_log(operator_id, at)""",
            """CREATE INDEX audit_log_target ON audit_log(target, at)""",
            """CREATE INDEX audit_log_action ON audit_log(action, at)""",
        ],
    ),
    (
        5,
        "login attempts pruned by age: an index on their time",
        [
            """CREATE INDEX login_attempts_at ON login_attempts(at)""",
        ],
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]


def current_version(tx: Tx) -> int:
    """The schema version recorded in the database (0 for an empty one)."""
    tx.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    return int(tx.scalar("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations") or 0)


def migrate(db: Database) -> list[int]:
    """Bring the schema up to date; return the versions applied now."""
    applied: list[int] = []
    for version, description, statements in MIGRATIONS:
        with db.transaction() as tx:
            if db.dialect == "postgresql":
                tx.execute("SELECT pg_advisory_xact_lock(734211)")
            have = current_version(tx)
            if have > LATEST_VERSION:
                raise DatabaseError(
                    f"the database schema is version {have}, newer than this server "
                    f"(knows up to {LATEST_VERSION}); upgrade operator-tui"
                )
            if have >= version:
                continue
            for statement in statements:
                if callable(statement):
                    statement(tx)
                else:
                    tx.execute(statement.format(**_TYPES[db.dialect]))
            tx.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                (version, description, datetime.now(UTC).isoformat()),
            )
            applied.append(version)
    return applied
