"""The plan as rows for the page, as CSV for French Excel and as an iCalendar file (RFC 5545)."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, Todo

from app.models import PlanAction
from app.plan import catalogue, quarters
from app.results.downloads import BOM, CSV_SEPARATOR, FORMULA_PREFIXES

REDO_AFTER_DAYS = 365
PRODID = "-//ARRICOD//Autodiagnostic AICT economique//FR"


def _label(kind: str, value: str | None, lang: str) -> str:
    """Return the label of a catalogue id, empty when unset, the id itself when unknown."""
    if not value:
        return ""
    entry = catalogue.load().by_id(kind).get(value)
    return entry.text(lang) if entry else value


def row(action: PlanAction, lang: str) -> dict[str, Any]:
    """Return an action's values as the page, the brief and the exports show them."""
    found = catalogue.load().by_id("instruments")
    instruments = [found[i] for i in action.instruments or [] if i in found]
    return {
        "id": action.id,
        "title": action.title,
        "recommendation": action.recommendation_title or "",
        "pilot": _label("pilot_roles", action.pilot, lang),
        "elected": _label("elected_roles", action.elected, lang),
        "start": action.start_quarter or "",
        "end": action.end_quarter or "",
        "status": _label("statuses", action.status, lang),
        "status_id": action.status,
        "instruments": [i.text(lang) for i in instruments],
        "calendars": [
            f"{i.text(lang)}\u00a0: {i.calendar_text(lang)}" for i in instruments if i.calendar
        ],
    }


def csv_headers() -> list[str]:
    """Return the CSV's column titles, in the page's language."""
    return [
        _("Action"),
        _("Recommandation d'origine"),
        _("Pilote"),
        _("Élu·e référent·e"),
        _("Début"),
        _("Fin"),
        _("Date de début"),
        _("Date de fin"),
        _("Statut"),
        _("Instruments"),
        _("Calendrier des instruments"),
    ]


def _cell(value: str) -> str:
    """Return a cell that a spreadsheet cannot take for a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _day(text: str, last: bool) -> str:
    """Return a quarter's first or last day as « 31/03/2027 », empty when unset."""
    if not quarters.parse(text):
        return ""
    day = quarters.last_day(text) if last else quarters.first_day(text)
    return day.strftime("%d/%m/%Y")


def plan_csv(actions: Sequence[PlanAction], lang: str) -> str:
    """Return the plan as CSV for French Excel: UTF-8 with a BOM, « ; » between cells."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow(csv_headers())
    for action in actions:
        r = row(action, lang)
        cells = [
            r["title"],
            r["recommendation"],
            r["pilot"],
            r["elected"],
            r["start"],
            r["end"],
            _day(r["start"], last=False),
            _day(r["end"], last=True),
            r["status"],
            ", ".join(r["instruments"]),
            " | ".join(r["calendars"]),
        ]
        writer.writerow([_cell(c) for c in cells])
    return BOM + out.getvalue()


TODO_STATUS = {
    "to_start": "NEEDS-ACTION",
    "in_progress": "IN-PROCESS",
    "done": "COMPLETED",
    "abandoned": "CANCELLED",
}


def uid(salt: str, name: str, host: str) -> str:
    """Return a stable UID that reveals nothing: a digest of the diagnostic's salt and a name."""
    digest = hashlib.sha256(f"{salt}:{name}".encode()).hexdigest()[:32]
    return f"{digest}@{host}"


def _todo(action: PlanAction, lang: str, salt: str, host: str, now: datetime) -> Todo:
    """Return one action as a VTODO: its quarters as start and due dates, its status."""
    r = row(action, lang)
    todo = Todo()
    todo.add("uid", uid(salt, f"action-{action.id}", host))
    todo.add("dtstamp", now)
    todo.add("summary", r["title"])
    details = [
        f"{label}\u00a0: {value}"
        for label, value in (
            (_("Recommandation d'origine"), r["recommendation"]),
            (_("Pilote"), r["pilot"]),
            (_("Élu·e référent·e"), r["elected"]),
            (_("Instruments"), ", ".join(r["instruments"])),
        )
        if value
    ]
    if details:
        todo.add("description", "\n".join(details + r["calendars"]))
    if quarters.parse(r["start"]):
        todo.add("dtstart", quarters.first_day(r["start"]))
    if quarters.parse(r["end"]):
        # DUE is the day after the quarter's last day: the action is due by the end of it.
        todo.add("due", quarters.last_day(r["end"]) + timedelta(days=1))
    todo.add("status", TODO_STATUS.get(action.status, "NEEDS-ACTION"))
    todo.add("categories", [r["status"]])
    return todo


def plan_ics(
    actions: Sequence[PlanAction], lang: str, completed: date, salt: str, host: str
) -> bytes:
    """Return the plan as iCalendar: a VTODO per action, a VEVENT to redo the diagnostic.

    ``salt`` (the diagnostic's token hash) makes stable UIDs, so that importing the file again
    updates the same items. The file holds no private link: calendars are often synchronised
    with third-party services.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Plan d'action AICT économique"))
    for action in actions:
        calendar.add_component(_todo(action, lang, salt, host, now))
    redo = completed + timedelta(days=REDO_AFTER_DAYS)
    event = Event()
    event.add("uid", uid(salt, f"redo-{completed.isoformat()}", host))
    event.add("dtstamp", now)
    event.add("summary", _("Refaire l'autodiagnostic AICT économique"))
    event.add(
        "description",
        _(
            "Douze mois après votre diagnostic, refaites-le pour mesurer vos progrès\u00a0: "
            "rouvrez votre lien privé."
        ),
    )
    event.add("dtstart", redo)
    event.add("dtend", redo + timedelta(days=1))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _("Refaire l'autodiagnostic AICT économique"))
    alarm.add("trigger", timedelta(days=-7))
    event.add_component(alarm)
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
