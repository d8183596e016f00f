"""``operator-tui calendar``: the centre's holiday calendar on the server's database.

    operator-tui calendar load holidays_2027.csv     # CSV: date,kind,name
    operator-tui calendar load --builtin 2026        # the official calendar shipped
    operator-tui calendar show 2026

The calendar lists public holidays and the weekend days that are working days
(China's make-up work days, 调休); every other Monday-Friday is a working day.
Deadlines of normal cases count working days by it (operator_tui.workdays).
Loading a file replaces the calendar of each year it covers: dates of those
years that are not in the file are removed. Seats receive it as the reference
kind ``holidays``. The server package is imported inside the commands.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .cli_common import DatabaseOpt, fail, migrated_database

calendar_app = typer.Typer(
    help="The holiday calendar (holidays and make-up work days) on the central server's database.",
    no_args_is_help=True,
)

def _stored(db: Any) -> list[dict[str, str]]:
    import json

    with db.transaction(write=False) as tx:
        rows = tx.all("SELECT data FROM reference WHERE kind = 'holidays' AND deleted = 0 ORDER BY key")
    return [json.loads(r["data"]) for r in rows]


@calendar_app.command("load")
def load(
    file: Annotated[Optional[Path], typer.Argument(help="a .csv (date,kind,name) or .json calendar")] = None,
    builtin: Annotated[Optional[int], typer.Option(help="load the official calendar shipped for this year")] = None,
    database: DatabaseOpt = None,
) -> None:
    """Load a calendar; it replaces the calendar of every year it covers."""
    from central_server import data
    from central_server.reference import ReferenceStore

    from .workdays import calendar_items, read_calendar_file

    if (file is None) == (builtin is None):
        raise fail("give a FILE or --builtin YEAR")
    try:
        if builtin is not None:
            items = calendar_items(data.holidays(builtin))
            source = f"the official {builtin} calendar"
        else:
            assert file is not None
            items = read_calendar_file(file.name, file.read_text(encoding="utf-8"))
            source = str(file)
    except KeyError:
        raise fail(f"no calendar shipped for {builtin}; shipped: {data.builtin_years()}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise fail(f"{file}: {exc}") from None
    if not items:
        raise fail(f"{source} lists no dates")
    years = {item["date"][:4] for item in items}
    keep = {item["date"] for item in items}
    with migrated_database(database) as db:
        gone = [d["date"] for d in _stored(db) if d["date"][:4] in years and d["date"] not in keep]
        try:
            version = ReferenceStore(db).put("holidays", items, gone)
        except ValueError as exc:
            raise fail(str(exc)) from None
    holidays = sum(1 for i in items if i["kind"] == "holiday")
    typer.echo(
        f"loaded {source}: {holidays} holidays, {len(items) - holidays} make-up work days"
        f" for {', '.join(sorted(years))}" + (f"; removed {len(gone)} old dates" if gone else "")
        + f" (reference version {version})"
    )


@calendar_app.command("show")
def show(
    year: Annotated[int, typer.Argument(help="e.g. 2026", min=2000, max=2100)],
    database: DatabaseOpt = None,
) -> None:
    """Print a year's holidays, make-up work days and working days per month."""
    from .workdays import Calendar

    with migrated_database(database) as db:
        items = [d for d in _stored(db) if d["date"].startswith(f"{year}-")]
    calendar = Calendar.from_items(items)
    if not items:
        typer.echo(f"no holidays loaded for {year}: only weekends are days off")
    for item in items:
        day = date.fromisoformat(item["date"])
        kind = "holiday " if item["kind"] == "holiday" else "WORK DAY"
        typer.echo(f"{day}  {day:%a}  {kind}  {item.get('name', '')}")
    months = []
    for month in range(1, 13):
        last = (date(year + month // 12, month % 12 + 1, 1) - date.resolution)
        months.append(f"{month:>2}:{calendar.working_days(date(year, month, 1), last):>3}")
    typer.echo("working days  " + "  ".join(months))
    typer.echo(f"working days in {year}: {calendar.working_days(date(year, 1, 1), date(year, 12, 31))}")
