"""``operator-tui calendar load|show`` on a SQLite database (the typer sub-app)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from operator_tui.calendar_cli import calendar_app
from tests.server_helpers import query
from tests.servers import sqlite_url

runner = CliRunner()


def run(*args: str):
    return runner.invoke(calendar_app, list(args))


def test_load_the_shipped_calendar_then_replace_a_year(tmp_path) -> None:
    url = sqlite_url(tmp_path / "c.db")
    result = run("load", "--builtin", "2026", "-d", url)
    assert result.exit_code == 0, result.output
    assert "33 holidays, 6 make-up work days for 2026" in result.output
    shown = run("show", "2026", "-d", url).output
    assert "2026-02-14  Sat  WORK DAY" in shown and "2026-10-01  Thu  holiday" in shown
    assert "working days in 2026: 248" in shown

    csv = tmp_path / "fix.csv"
    csv.write_text("date,kind,name\n2026-10-01,holiday,国庆节\n2026-10-10,workday,调休\n", encoding="utf-8")
    result = run("load", str(csv), "-d", url)
    assert result.exit_code == 0, result.output
    assert "removed 37 old dates" in result.output
    rows = query(url, "SELECT key, data FROM reference WHERE kind = 'holidays' AND deleted = 0 ORDER BY key")
    assert [(r["key"], json.loads(r["data"])["kind"]) for r in rows] == [
        ("2026-10-01", "holiday"), ("2026-10-10", "workday")]
    other = tmp_path / "2027.json"
    other.write_text(json.dumps([{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]), encoding="utf-8")
    assert run("load", str(other), "-d", url).exit_code == 0
    assert len(query(url, "SELECT key FROM reference WHERE kind = 'holidays' AND deleted = 0")) == 3  # 2026 kept


def test_bad_calendars_are_refused_with_one_line(tmp_path) -> None:
    url = sqlite_url(tmp_path / "c.db")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind\n2026-02-30,holiday\n", encoding="utf-8")
    for args, message in [((str(bad),), "entry 1"), (("--builtin", "1999"), "no calendar shipped"),
                          ((), "give a FILE or --builtin"), ((str(tmp_path / "none.csv"),), "none.csv")]:
        result = run("load", *args, "-d", url)
        assert result.exit_code == 1 and message in result.output, result.output
    assert "no holidays loaded for 2030" in run("show", "2030", "-d", url).output
