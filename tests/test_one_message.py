"""One mistake, one message (issue 22): the same faulty cell of an observation file gets the same words from
`observatory validate`, `observatory import` and the submission page, in English and in French.

Each fault of the validation suite that lies in an observation file (the only kind of file a lead sends) is put
through the three: (a) validate, on the fixture root with the fault; (b) `observatory import` of the same file
into the fixture root emptied of its figures (else every row would already be recorded); (c) what the page shows,
by the function the page calls (the desk's check, in-process; tests/test_submit.py does one case in Chromium).
The file is named data/observations/figures.csv in (a) and figures.csv in (b) and (c): that name is the only
legitimate difference, so it is put the same before comparing.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_ROOT
from tests.faults import INTEGRITY_FAULTS
from tests.faults import FAULTS as VALIDATE_FAULTS
from tests.helpers import OBS

NAME = "figures.csv"

# Faults of a data file that the import legitimately reads otherwise: (why, what it does instead).
READ_OTHERWISE = {
    # spreadsheets written in French: the import reads them as meant (tests/test_spreadsheet_imports.py)
    "non-numeric value (decimal comma)": ("a quoted 3,7 is a French spreadsheet's 3.7 to the import", "accepted"),
    "malformed date": ("31/12/2020 is a French spreadsheet's date to the import", "accepted"),
    "CSV that is not UTF-8": ("the import reads Windows-1252, as spreadsheets save it", "accepted"),
    # the coalition of the rows is the one the import is given: a row naming another one is told so
    "unknown coalition in an observation": ("the import's coalition is --coalition's", "same place"),
    # a lead's file may hold the template's information columns besides the data's: they are named too
    "missing column": ("the import also accepts the template's information columns", "same place"),
}


def _place(line: str) -> str:
    return re.split(r" ?: (?:found|trouvé) ", line, maxsplit=1)[0]


def _observation_faults() -> list[tuple]:
    """The faults that change only the observation file: found by introducing each one into a scratch copy."""
    chosen = []
    decimal_commas = [f for f in INTEGRITY_FAULTS if f[0].startswith("decimal comma")]
    with tempfile.TemporaryDirectory() as scratch:
        for fault, introduce, _ in [*VALIDATE_FAULTS, *decimal_commas]:
            root = Path(scratch) / fault
            shutil.copytree(FIXTURE_ROOT, root)
            introduce(root)
            changed = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()
                       and (not (FIXTURE_ROOT / p.relative_to(root)).is_file()
                            or (FIXTURE_ROOT / p.relative_to(root)).read_bytes() != p.read_bytes())}
            if changed == {OBS}:
                chosen.append((fault, introduce))
    return chosen


FAULTS = _observation_faults()


def _lines(text: str, prefix: str) -> list[str]:
    return [line.replace(OBS, NAME) for line in text.splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("fault,introduce", FAULTS, ids=[f[0] for f in FAULTS])
def test_validate_import_and_the_page_say_the_same(tmp_path, cli, fault, introduce, lang):
    from observatory.leads import Leads
    from observatory.submission_page import SubmissionDesk

    broken = tmp_path / "broken"
    shutil.copytree(FIXTURE_ROOT, broken)
    introduce(broken)
    code, _, err = cli("--lang", lang, "validate", "--root", broken)
    assert code == 1, err
    validated = _lines(err, OBS)
    assert validated, err

    # the same file, sent for import into the root without its figures
    sent = tmp_path / NAME
    sent.write_bytes((broken / OBS).read_bytes())
    root = tmp_path / "root"
    shutil.copytree(FIXTURE_ROOT, root)
    header = (root / OBS).read_text(encoding="utf-8").splitlines()[0]
    (root / OBS).write_text(header + "\n", encoding="utf-8")
    code, _, err = cli("--lang", lang, "import", sent, "--coalition", "alpha", "--root", root)
    imported = _lines(err, NAME)
    secret = Leads.of(root, tmp_path / "leads").create("alpha")
    shown = SubmissionDesk(root, None, tmp_path / "leads", lang=lang).check("alpha", secret, NAME, sent.read_bytes(), False)

    if fault in READ_OTHERWISE:
        why, how = READ_OTHERWISE[fault]
        places = {_place(line) for line in validated}
        for said in (imported, shown.problems):
            if how == "accepted":  # the cell is read as meant: nothing said of it
                assert not places & {_place(line) for line in said}, (fault, why, said)
            else:  # the same place named, in words of its own
                assert places <= {_place(line) for line in said}, (fault, why, said)
        return
    assert code == 1, err
    assert imported == validated, f"{fault}: import says\n{imported}\nvalidate says\n{validated}"
    assert shown.problems == validated, f"{fault}: the page says\n{shown.problems}\nvalidate says\n{validated}"
