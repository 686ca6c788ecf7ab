"""JustGetMyData's ``sites.json``: how hard it is to get a copy of one's data, service by service.

Each entry (``name``, ``url``, ``difficulty``, ``notes``…) becomes a service of
the Self Data register (matched on its id, so that sectors and countries a user
added are kept) and an assessment at the date the user gives.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from observatory import root_csv, root_paths
from observatory.errors import ObservatoryError, Problem, Text
from observatory.sources import Conversion
from observatory.sources.barometre import slug

NAME = "jgmd"
SOURCE = "JustGetMyData (sites.json, MIT)"
# A note naming a machine-readable format is taken as "yes"; silence is "unknown", never "no".
MACHINE_READABLE = re.compile(r"\b(json|csv|xml)\b", re.IGNORECASE)


def convert(path: Path, date: str, services: list[dict]) -> tuple[list[dict], list[dict]]:
    """(services to add or keep, assessments at ``date``)."""
    from observatory import selfdata  # here, not at the top: `observatory --help` lists this source

    name = path.name
    try:
        entries = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ObservatoryError(Problem(name, value=str(exc)[:80], expected=Text("jgmd_json"))) \
            from None
    if not isinstance(entries, list):
        raise ObservatoryError(Problem(name, value=type(entries).__name__, expected=Text("sites_list")))
    known = {s["id"]: s for s in services}
    out_services = {s["id"]: dict(s) for s in services}
    assessments = []
    used = set()
    for index, entry in enumerate(entries):
        where = f"[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise ObservatoryError(Problem(name, key=f"{where}.name", value=entry if not isinstance(entry, dict)
                                               else entry.get("name"), expected=Text("site_name")))
        difficulty = entry.get("difficulty")
        if difficulty not in selfdata.DIFFICULTIES:
            raise ObservatoryError(Problem(name, key=f"{where}.difficulty", value=difficulty,
                                               expected=Text("one_of", values=", ".join(selfdata.DIFFICULTIES))))
        url = entry.get("url") if isinstance(entry.get("url"), str) else None
        # The id comes from the name (several services share a group's privacy URL).
        ident = slug(entry["name"]) or f"site-{index}"
        base, n = ident, 2
        while ident in used:
            ident, n = f"{base}-{n}", n + 1
        used.add(ident)
        if ident not in known:
            out_services[ident] = {"id": ident, "name": entry["name"].strip(), "url": url, "sector": None,
                                   "country": None}
        notes = entry.get("notes") if isinstance(entry.get("notes"), str) else None
        assessments.append({
            "service": ident, "date": date, "difficulty": difficulty,
            "machine_readable": "yes" if notes and MACHINE_READABLE.search(notes) else "unknown",
            "api": "unknown", "transfer": "unknown", "formats": None, "standards": None,
            "notes": notes, "source": SOURCE,
        })
    return list(out_services.values()), assessments


class JustGetMyData:
    """The plug-in: ``observatory import-source jgmd sites.json --date YYYY-MM-DD``."""

    name = NAME
    description = ("JustGetMyData's sites.json: how hard it is to get a copy of one's data, into the Self Data "
                   "register")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="the date of the assessment, YYYY-MM-DD (required)")

    def options(self, args) -> dict:
        if not args.date:
            raise ObservatoryError(Text("jgmd_needs_date"))
        return {"date": _checked_date(args.date)}

    def convert(self, root: Path, path: Path, date: str) -> Conversion:
        from observatory import selfdata  # here, not at the top: `observatory --help` lists this source
        from observatory.submission_files import _read_csv_dicts

        date = _checked_date(date)
        register = selfdata.folder(root)
        services, assessments = convert(path, date, _read_csv_dicts(register / "services.csv"))
        # A new import at the same date replaces that date's JustGetMyData assessments: importing twice changes nothing.
        kept = [a for a in _read_csv_dicts(register / "assessments.csv")
                if not (a.get("date") == date and a.get("source") == SOURCE)]
        files = {
            root_paths.SERVICES: root_csv.records_bytes(list(selfdata.SERVICE_COLUMNS), services),
            root_paths.ASSESSMENTS: root_csv.records_bytes(list(selfdata.ASSESSMENT_COLUMNS), kept + assessments),
        }
        return Conversion(files, {"assessed": len(assessments), "date": date})

    def summary(self, file: str, conversion: Conversion, written: bool) -> list[str]:
        if not written:
            return [Text("jgmd_nothing_new")]
        return [Text("jgmd_imported", file=file, count=conversion.facts["assessed"], date=conversion.facts["date"])]


PLUGIN = JustGetMyData()


def _checked_date(date: str | None) -> str:
    import pandas as pd

    from observatory.dates import parse_period_end

    if not re.match(r"^\d{4}-\d{2}-\d{2}$", date or "") or pd.isna(parse_period_end(pd.Series([date]))[0]):
        raise ObservatoryError(Text("jgmd_bad_date", date=date))
    return date
