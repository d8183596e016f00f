"""Reference data (categories, departments, routing rules, KB, holiday calendar) with per-kind versions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ._rows import as_dict, dumps, now_key
from .schema import kb_index_values

KINDS = ("categories", "departments", "routing", "kb", "holidays")
REFERENCE_TX_ITEMS = 1_000  # items per transaction (bounds how long the write lock is held)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown reference kind {kind!r}; known: {', '.join(KINDS)}")


class ReferenceMixin:
    """Reference data (mixed into :class:`LocalCache`)."""

    _conn: Any
    _tx: Any

    @staticmethod
    def _kb_unindex(c: sqlite3.Connection, rid: int, data_json: str) -> None:
        c.execute(
            "INSERT INTO kb_fts(kb_fts, rowid, title, tags, body, lang) "
            "VALUES ('delete', ?, ?, ?, ?, ?)",
            (rid, *kb_index_values(json.loads(data_json))),
        )

    def replace_reference(
        self, kind: str, items: Iterable[Any], version: int | None, *, full: bool = False
    ) -> int:
        """Upsert/delete protocol.ReferenceItem dicts by key.

        Items with ``deleted`` are removed. With ``full=True`` the items are the
        whole set and every other key of the kind is removed too. *version*
        (the kind's version from the server) is stored unless None — pass it
        with the last page only. Up to REFERENCE_TX_ITEMS items are applied in
        one transaction (all of the usual categories/departments/routing
        sets); a bigger set (a large KB) is committed in chunks, so the write
        lock is never held for seconds, with the removals of ``full`` and the
        version in the last one: a crash midway leaves the old version, and
        the next refresh applies the items again (upserts are idempotent).
        Returns the number of rows changed.
        """
        _check_kind(kind)
        todo = [as_dict(item) for item in items]
        seen = {str(it["key"]) for it in todo}
        changed = 0
        for start in range(0, max(len(todo), 1), REFERENCE_TX_ITEMS):
            chunk = todo[start : start + REFERENCE_TX_ITEMS]
            last = start + REFERENCE_TX_ITEMS >= len(todo)
            with self._tx() as c:
                changed += self._upsert_reference(c, kind, chunk)
                if last and full:
                    changed += self._drop_reference_except(c, kind, seen)
                if last and version is not None:
                    c.execute(
                        "INSERT INTO reference_versions (kind, version) VALUES (?, ?) "
                        "ON CONFLICT(kind) DO UPDATE SET version = excluded.version",
                        (kind, int(version)),
                    )
        return changed

    def _upsert_reference(self, c: sqlite3.Connection, kind: str, items: list[dict]) -> int:
        changed = 0
        for it in items:
            key = str(it["key"])
            row = c.execute(
                "SELECT id, data FROM reference WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
            if row is not None and kind == "kb":
                self._kb_unindex(c, row[0], row[1])
            if it.get("deleted"):
                if row is not None:
                    c.execute("DELETE FROM reference WHERE id = ?", (row[0],))
                    changed += 1
                continue
            data = it.get("data")
            if not isinstance(data, dict):
                raise ValueError(f"reference item {kind}/{key} has no data object")
            if row is None:
                rid = c.execute(
                    "INSERT INTO reference (kind, key, version, data) VALUES (?, ?, ?, ?)",
                    (kind, key, int(it.get("version") or 0), dumps(data)),
                ).lastrowid
            else:
                rid = row[0]
                c.execute(
                    "UPDATE reference SET version = ?, data = ? WHERE id = ?",
                    (int(it.get("version") or 0), dumps(data), rid),
                )
            if kind == "kb":
                c.execute(
                    "INSERT INTO kb_fts(rowid, title, tags, body, lang) VALUES (?, ?, ?, ?, ?)",
                    (rid, *kb_index_values(data)),
                )
            changed += 1
        return changed

    def _drop_reference_except(self, c: sqlite3.Connection, kind: str, keep: set[str]) -> int:
        stale = [
            r for r in c.execute("SELECT id, key, data FROM reference WHERE kind = ?", (kind,))
            if r[1] not in keep
        ]
        for rid, _key, data_json in stale:
            if kind == "kb":
                self._kb_unindex(c, rid, data_json)
            c.execute("DELETE FROM reference WHERE id = ?", (rid,))
        return len(stale)

    def reference_version(self, kind: str) -> int:
        """The stored version of *kind* (0 when never loaded): pass as since_version."""
        _check_kind(kind)
        row = self._conn().execute(
            "SELECT version FROM reference_versions WHERE kind = ?", (kind,)
        ).fetchone()
        return int(row[0]) if row else 0

    def reference_items(self, kind: str) -> list[dict[str, Any]]:
        """All data dicts of *kind*, ordered by key."""
        _check_kind(kind)
        rows = self._conn().execute(
            "SELECT data FROM reference WHERE kind = ? ORDER BY key", (kind,)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def categories(self) -> list[dict[str, Any]]:
        """protocol.Category dicts, ordered by code (inactive ones included)."""
        return self.reference_items("categories")

    def departments(self) -> list[dict[str, Any]]:
        """protocol.Department dicts, ordered by code."""
        return self.reference_items("departments")

    def routing_rules(self) -> list[dict[str, Any]]:
        """protocol.RoutingRule dicts, highest priority first, then by id."""
        rules = self.reference_items("routing")
        return sorted(rules, key=lambda r: (-int(r.get("priority") or 0), str(r.get("id"))))

    def kb_article(self, article_id: str) -> dict[str, Any] | None:
        """One protocol.KbArticle dict by id, or None."""
        row = self._conn().execute(
            "SELECT data FROM reference WHERE kind = 'kb' AND key = ?", (article_id,)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def kb_count(self) -> int:
        return int(
            self._conn().execute("SELECT count(*) FROM reference WHERE kind = 'kb'").fetchone()[0]
        )

    # --- category usage (this seat's own, for the category picker) -------------

    def note_category_use(self, code: str) -> None:
        """Count one use of category *code* now."""
        self._conn().execute(
            "INSERT INTO category_usage (code, uses, last_used) VALUES (?, 1, ?) "
            "ON CONFLICT(code) DO UPDATE SET uses = uses + 1, last_used = excluded.last_used",
            (code, now_key()),
        )

    def category_usage(self) -> dict[str, tuple[int, str]]:
        """code -> (times used, last used as UTC ISO text), for CategoryIndex.search."""
        rows = self._conn().execute("SELECT code, uses, last_used FROM category_usage").fetchall()
        return {code: (uses, last) for code, uses, last in rows}
