"""The faults a data root can have, each with how to make it in a copy of the fixture root and the lines
`observatory validate` must say of it: tests/test_validate.py checks each, others reuse them."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from tests.helpers import ALPHA, OBS, append, replace


def move(root: Path, old: str, new: str) -> None:
    (root / new).parent.mkdir(parents=True, exist_ok=True)
    shutil.move(root / old, root / new)


# (fault, how to introduce it into a copy of the fixture root, the line(s) the user must see)
FAULTS = [
    ("unknown indicator in an observation",
     lambda r: replace(r, OBS, "people-trained,rennes,2020-12-31", "people-traind,rennes,2020-12-31"),
     [f"{OBS}, row 2, column 'indicator': found 'people-traind', expected a known indicator id "
      "(a file indicators/<quality>/<id>.yml); did you mean 'people-trained'?"]),
    ("unknown territory in an observation",
     lambda r: replace(r, OBS, "easy-data-copy-share,fr,", "easy-data-copy-share,france,"),
     [f"{OBS}, row 8, column 'territory': found 'france', expected a known territory id "
      "(a row of data/territories.csv)"]),
    ("unknown coalition in an observation",
     lambda r: replace(r, OBS, "2022-12-31,10,alpha", "2022-12-31,10,gamma"),
     [f"{OBS}, row 8, column 'coalition': found 'gamma', expected a known coalition id"]),
    ("indicator in another quality's folder",
     lambda r: move(r, "indicators/capacitant/people-trained.yml", "indicators/frugal/people-trained.yml"),
     ["indicators/frugal/people-trained.yml, key 'quality': found 'capacitant', "
      "expected the quality of its folder ('frugal')"]),
    ("indicator with an unknown quality",
     lambda r: (move(r, "indicators/frugal/device-lifetime.yml", "indicators/sobre/device-lifetime.yml"),
                replace(r, "indicators/sobre/device-lifetime.yml", "quality: frugal", "quality: sobre")),
     ["indicators/sobre/device-lifetime.yml: found 'sobre', expected a folder named after one of the seven "
      "qualities: capacitant, inclusif, frugal, innovant, democratique, protecteur, equitable",
      "indicators/sobre/device-lifetime.yml, key 'quality': found 'sobre', expected one of capacitant, "
      "inclusif, frugal, innovant, democratique, protecteur, equitable"]),
    ("missing value",
     lambda r: replace(r, OBS, "2020-12-31,250,alpha", "2020-12-31,,alpha"),
     [f"{OBS}, row 2, column 'value': found (empty), expected a number written with a decimal point"]),
    ("non-numeric value (decimal comma)",
     lambda r: replace(r, OBS, "2021,3.7,alpha", '2021,"3,7",alpha'),
     [f"{OBS}, row 5, column 'value': found '3,7', expected a number written with a decimal point"]),
    ("infinite value",
     lambda r: replace(r, OBS, "2020-12-31,250,alpha", "2020-12-31,1e999,alpha"),
     [f"{OBS}, row 2, column 'value': found '1e999', expected a finite number"]),
    ("value above the limit",
     lambda r: replace(r, OBS, "2022-12-31,10,alpha", "2022-12-31,120,alpha"),
     [f"{OBS}, row 8, column 'value': found '120', expected a value of at most 100, the indicator's limit"]),
    ("value below the limit of a decrease indicator",
     lambda r: replace(r, OBS, "2021-12-31,14.5,", "2021-12-31,-1,"),
     [f"{OBS}, row 6, column 'value': found '-1', expected a value of at least 0, the indicator's limit"]),
    ("malformed date",
     lambda r: replace(r, OBS, "rennes,2020-12-31,250", "rennes,31/12/2020,250"),
     [f"{OBS}, row 2, column 'date': found '31/12/2020', expected an ISO date YYYY-MM-DD, "
      "or YYYY-MM for a month, or YYYY for a year"]),
    ("impossible date",
     lambda r: replace(r, OBS, "rennes,2020-12-31,250", "rennes,2021-02-30,250"),
     [f"{OBS}, row 2, column 'date': found '2021-02-30', expected a date that exists in the calendar"]),
    ("duplicate observation (a year is its 31 December)",
     lambda r: append(r, OBS, "device-lifetime,bretagne,2021-12-31,3.8,alpha,Inventaire,\n"),
     [f"{OBS}, row 12, column 'date': found '2021-12-31', expected one figure per indicator, territory, "
      f"coalition and date; this one repeats {OBS}, row 5"]),
    ("target equal to its baseline",
     lambda r: replace(r, ALPHA, "target: {date: 2022-12-31, value: 500}", "target: {date: 2022-12-31, value: 100}"),
     [f"{ALPHA}, key 'targets[0].target.value': found '100', expected a target different from its baseline (100)"]),
    ("target on the wrong side of its baseline",
     lambda r: replace(r, ALPHA, "target: {date: 2022-12-31, value: 11}", "target: {date: 2022-12-31, value: 19}"),
     [f"{ALPHA}, key 'targets[2].target.value': found '19', expected a target below its baseline (17): "
      "the indicator's direction is 'decrease'"]),
    ("target date on its baseline date",
     lambda r: replace(r, ALPHA, "target: {date: 2022-12-31, value: 500}", "target: {date: 2019-12-31, value: 500}"),
     [f"{ALPHA}, key 'targets[0].target.date': found '2019-12-31', expected a target date after the baseline "
      "date (2019-12-31)"]),
    ("target date before its baseline date",
     lambda r: replace(r, ALPHA, "target: {date: 2022-12-31, value: 500}", "target: {date: 2018, value: 500}"),
     [f"{ALPHA}, key 'targets[0].target.date': found '2018', expected a target date after the baseline date"]),
    ("unknown indicator in a target",
     lambda r: replace(r, ALPHA, "- indicator: people-trained\n    territory: rennes",
                       "- indicator: trained-people\n    territory: rennes"),
     [f"{ALPHA}, key 'targets[0].indicator': found 'trained-people', expected a known indicator id"]),
    ("unknown territory in a target",
     lambda r: replace(r, ALPHA, "territory: fr", "territory: europe"),
     [f"{ALPHA}, key 'targets[3].territory': found 'europe', expected a known territory id"]),
    ("non-numeric target value",
     lambda r: replace(r, ALPHA, "value: 3.0}", "value: trois}"),
     [f"{ALPHA}, key 'targets[1].baseline.value': found 'trois', expected a number"]),
    ("target value over the limit",
     lambda r: replace(r, ALPHA, "value: 50}", "value: 150}"),
     [f"{ALPHA}, key 'targets[3].target.value': found '150', expected a value of at most 100"]),
    ("misspelt key in an indicator",
     lambda r: replace(r, "indicators/frugal/device-lifetime.yml", "unit:", "unti:"),
     ["indicators/frugal/device-lifetime.yml, key 'unti': found 'unti', expected one of the known keys",
      "indicators/frugal/device-lifetime.yml, key 'unit': found (empty), expected this required key"]),
    ("indicator id that is not its file name",
     lambda r: replace(r, "indicators/frugal/device-lifetime.yml", "id: device-lifetime", "id: lifetime"),
     ["indicators/frugal/device-lifetime.yml, key 'id': found 'lifetime', expected the file's name without .yml "
      "('device-lifetime')"]),
    ("broken YAML",
     lambda r: replace(r, "data/coalitions/beta.yml", "maturity: promo-1", "maturity: [promo-1"),
     ["data/coalitions/beta.yml, line 5: found"]),
    ("key given twice in YAML",
     lambda r: append(r, "data/coalitions/beta.yml", "maturity: pilote\n"),
     ["data/coalitions/beta.yml, line 16: found \"key 'maturity' is given twice\", expected valid YAML"]),
    ("unknown territory in a coalition profile",
     lambda r: replace(r, ALPHA, "territories: [bretagne, rennes, fr]", "territories: [bretagne, renes, fr]"),
     [f"{ALPHA}, key 'territories[1]': found 'renes', expected a territory id of data/territories.csv"]),
    ("unknown maturity",
     lambda r: replace(r, ALPHA, "maturity: pilote", "maturity: pilot"),
     [f"{ALPHA}, key 'maturity': found 'pilot', expected one of pilote, promo-1, promo-2, a-activer"]),
    ("unknown territory level and parent",
     lambda r: append(r, "data/territories.csv", "lille,Lille,city,nord,59350,,\n"),
     ["data/territories.csv, row 7, column 'level': found 'city', expected one of country, region, departement",
      "data/territories.csv, row 7, column 'parent': found 'nord', expected the id of another territory"]),
    ("wrong SIREN check digit",
     lambda r: replace(r, "data/territories.csv", "243500139", "243500138"),
     ["data/territories.csv, row 5, column 'siren': found '243500138', expected a valid SIREN number"]),
    ("missing column",
     lambda r: replace(r, OBS, "indicator,territory,date,value,", "indicator,territory,when,value,"),
     [f"{OBS}, row 1, column 'when': found 'when', expected one of the known columns",
      f"{OBS}, row 1, column 'date': found (empty), expected this required column"]),
    ("CSV that is not UTF-8",
     lambda r: (r / OBS).write_bytes((r / OBS).read_bytes().replace("année".encode(), "année".encode("cp1252"))),
     [f"{OBS}, line 5: found 'byte 0xe9', expected UTF-8 text"]),
]


def assert_validate_names(root, cli, fault, introduce, lines) -> None:
    """``validate`` refuses the root broken by ``introduce`` with each of ``lines``, and no traceback."""
    introduce(root)
    code, out, err = cli("validate", "--root", root)
    assert code == 1, err
    for line in lines:
        assert line in err, f"{fault}: expected\n  {line}\nin\n{err}"
    assert "Traceback" not in err and "unexpected error" not in err


# Faults of plausibility and integrity (tests/test_integrity_data.py checks each, as validate's above).
INDICATOR = "indicators/frugal/device-lifetime.yml"
BETA = "data/coalitions/beta.yml"
META = "data/observations/figures.meta.yml"
LAST_YEAR = dt.date.today().year + 10
WINDOW = f"a date between 1900 and {LAST_YEAR}"


def write(root: Path, name: str, text: str) -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")


def register(root: Path, date: str) -> None:
    write(root, "data/self-data/services.csv", "id,name\nsvc,Un service\n")
    write(root, "data/self-data/assessments.csv", f"service,date,difficulty\nsvc,{date},easy\n")


INTEGRITY_FAULTS = [
    # 1. empty files are not empty profiles
    ("empty indicator file", lambda r: write(r, INDICATOR, ""),
     [f"{INDICATOR}: found an empty file, expected a mapping of keys (id, name, quality"]),
    ("indicator file with only a comment", lambda r: write(r, INDICATOR, "# à remplir\n"),
     [f"{INDICATOR}: found an empty file, expected a mapping of keys"]),
    ("empty coalition file", lambda r: write(r, BETA, ""),
     [f"{BETA}: found an empty file, expected a mapping of keys (id, name, axes"]),
    ("empty metadata file", lambda r: write(r, META, ""),
     [f"{META}: found an empty file, expected a mapping of keys (title, description"]),
    ("coalition file holding a list", lambda r: write(r, BETA, "- id: beta\n"),
     [f"{BETA}: found 'list', expected a mapping of keys"]),
    # 2. dates outside a plausible window
    ("observation dated 9999", lambda r: replace(r, OBS, "rennes,2020-12-31,250", "rennes,9999-12-31,250"),
     [f"{OBS}, row 2, column 'date': found '9999-12-31', expected {WINDOW}"]),
    ("observation dated year 1", lambda r: replace(r, OBS, "bretagne,2020,3.3", "bretagne,0001-01-01,3.3"),
     [f"{OBS}, row 4, column 'date': found '0001-01-01', expected {WINDOW}"]),
    ("observation dated 2300", lambda r: replace(r, OBS, "bretagne,2020,3.3", "bretagne,2300,3.3"),
     [f"{OBS}, row 4, column 'date': found '2300', expected {WINDOW}"]),
    ("observation dated 1899", lambda r: replace(r, OBS, "bretagne,2020,3.3", "bretagne,1899-12,3.3"),
     [f"{OBS}, row 4, column 'date': found '1899-12', expected {WINDOW}"]),
    ("target dated 2300", lambda r: replace(r, ALPHA, "target: {date: 2022-12-31, value: 500}",
                                            "target: {date: 2300-12-31, value: 500}"),
     [f"{ALPHA}, key 'targets[0].target.date': found '2300-12-31', expected {WINDOW}"]),
    ("baseline dated 1000", lambda r: replace(r, ALPHA, "baseline: {date: 2019-12-31, value: 100}",
                                              "baseline: {date: '1000', value: 100}"),
     [f"{ALPHA}, key 'targets[0].baseline.date': found '1000', expected {WINDOW}"]),
    ("Self Data assessment dated 9999", lambda r: register(r, "9999-12-31"),
     [f"data/self-data/assessments.csv, row 2, column 'date': found '9999-12-31', expected {WINDOW}"]),
    # 3. YAML values that used to crash the command
    ("unquoted impossible date in a target",
     lambda r: replace(r, ALPHA, "target: {date: 2022-12-31, value: 500}", "target: {date: 2019-02-30, value: 500}"),
     [f"{ALPHA}, key 'targets[0].target.date': found '2019-02-30', expected a date that exists in the calendar"]),
    ("unquoted impossible timestamp in a target",
     lambda r: replace(r, ALPHA, "target: {date: 2022-12-31, value: 500}",
                       "target: {date: 2019-13-01 10:00:00, value: 500}"),
     [f"{ALPHA}, key 'targets[0].target.date': found '2019-13-01 10:00:00', expected an ISO date"]),
    ("5,000-digit integer in a target",
     lambda r: replace(r, ALPHA, "value: 500}", "value: " + "9" * 5000 + "}"),
     [f"{ALPHA}, key 'targets[0].target.value': found '99999", "expected a finite number"]),
    ("huge hexadecimal integer in a target",
     lambda r: replace(r, ALPHA, "value: 500}", "value: 0x" + "F" * 5000 + "}"),
     [f"{ALPHA}, key 'targets[0].target.value': found '0xFFFF", "expected a number"]),
    ("5,000-digit integer as an indicator's decimals",
     lambda r: replace(r, INDICATOR, "decimals: 1", "decimals: " + "7" * 5000),
     [f"{INDICATOR}, key 'decimals': found '7777", "expected a whole number of decimals"]),
    # 4. a decimal comma in an unquoted cell
    ("decimal comma splitting a value in two cells",
     lambda r: replace(r, OBS, "2021,3.7,alpha", "2021,3,7,alpha"),
     [f"{OBS}, row 5, column 'value': found '3,7', expected no more cells than the 7 columns of the header "
      "(a decimal comma? write 3.7 or quote the cell)"]),
    ("decimal comma with a sign, the last cells empty",
     lambda r: replace(r, OBS, "2021-12-31,14.5,,Insee,territory-wide", "2021-12-31,-14,5,,Insee,"),
     [f"{OBS}, row 6, column 'value': found '-14,5', expected no more cells than the 7 columns of the header "
      "(a decimal comma? write -14.5 or quote the cell)"]),
    # 5. figures too large to be figures
    ("observation of 1e308", lambda r: replace(r, OBS, "2020-12-31,250,alpha", "2020-12-31,1e308,alpha"),
     [f"{OBS}, row 2, column 'value': found '1e308', expected a value between -1e15 and 1e15"]),
    ("negative observation of -1e300",
     lambda r: replace(r, OBS, "2021-06,260,alpha", "2021-06,-1e300,alpha"),
     [f"{OBS}, row 9, column 'value': found '-1e300', expected a value between -1e15 and 1e15"]),
    ("baseline of 2e15", lambda r: replace(r, ALPHA, "value: 200}", "value: 2e15}"),
     [f"{ALPHA}, key 'targets[4].baseline.value': found '2e15', "
      "expected a value between -1e15 and 1e15"]),
]
