"""The `observatory` command as users run it: outputs, exit codes, no traceback."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from tests.conftest import FIXTURE_ROOT

PROGRESS_HEADER = ["coalition", "indicator", "quality", "territory", "baseline_date", "baseline_value",
                   "target_date", "target_value", "latest_date", "latest_value", "progress", "status"]


def test_progress_writes_one_row_per_target(tmp_path, cli):
    out = tmp_path / "out" / "progress.csv"
    summary = tmp_path / "out" / "summary.csv"
    code, _, err = cli("progress", "--root", FIXTURE_ROOT, "--out", out, "--summary", summary)
    assert code == 0, err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0])[: len(PROGRESS_HEADER)] == PROGRESS_HEADER
    assert len(rows) == 7
    first = rows[0]
    assert (first["coalition"], first["indicator"], first["latest_date"], first["status"]) == (
        "alpha", "people-trained", "2022-06-30", "achieved")
    assert first["progress"] == "1.05"  # no binary noise in what users read
    compass = list(csv.DictReader(summary.open(encoding="utf-8")))
    assert {r["scope"] for r in compass} == {"programme", "coalition", "territory"}


def test_progress_on_a_bad_root_writes_nothing(root_copy, tmp_path, cli):
    (root_copy / "data" / "observations" / "figures.csv").write_text("indicator,territory,date,value\nx,y,z,w\n")
    out = tmp_path / "progress.csv"
    code, _, err = cli("progress", "--root", root_copy, "--out", out)
    assert code == 1
    assert "nothing was written" in err
    assert not out.exists()


def test_python_dash_m_and_no_traceback_on_garbage(tmp_path):
    root = tmp_path / "root"
    (root / "indicators" / "frugal").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "indicators" / "frugal" / "x.yml").write_bytes(b"\xff\xfe\x00garbage: [")
    done = subprocess.run([sys.executable, "-m", "observatory", "validate", "--root", str(root)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "indicators/frugal/x.yml" in done.stderr
    assert "data/territories.csv: found (empty), expected the table of territories" in done.stderr
    assert "Traceback" not in done.stderr


# Asking for help is answered without the data libraries: the parser lists the import-source plug-ins, whose
# modules load pandas only to import.
HELP_PROBE = """
import contextlib, io, sys
from observatory.cli import main
for argv in (["--help"], ["import-source", "--help"], ["build", "--help"]):
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            main(argv)
    except SystemExit as exc:
        assert exc.code == 0, argv
print(" ".join(m for m in ("pandas", "numpy", "great_expectations", "papermill") if m in sys.modules))
"""


def test_help_does_not_import_pandas():
    done = subprocess.run([sys.executable, "-c", HELP_PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], done.stdout


COMMANDS = ["validate", "progress", "build", "template", "import", "undo", "import-source", "history", "serve"]


def test_every_help_shows_examples_and_the_exit_codes(capsys, monkeypatch):
    from observatory.cli import main

    monkeypatch.setenv("COLUMNS", "200")
    for command in [[], *[[c] for c in COMMANDS]]:
        with pytest.raises(SystemExit) as done:
            main([*command, "--help"])
        assert done.value.code == 0, command
        out = capsys.readouterr().out
        examples = out.split("examples:\n", 1)[1]
        assert f"  observatory {' '.join(command)}".rstrip() in examples, command
        assert "3    unexpected failure" in out, command


def test_exit_codes_tell_usage_errors_from_data_problems(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "observatory", *args], capture_output=True, text=True,
                              timeout=120)

    usage = run("build", "--jobs", "many")
    assert usage.returncode == 2
    assert "argument --jobs: invalid int value: 'many'" in usage.stderr
    refused = run("import-source", "jgmd", str(tmp_path / "sites.json"), "--date", "2025-11-10", "--root",
                  str(FIXTURE_ROOT))
    assert refused.returncode == 1
    assert refused.stderr == f"error: {tmp_path / 'sites.json'}: no such file\n"


def test_validate_which_never_writes_does_not_say_it_wrote_nothing(root_copy, cli):
    data = root_copy / "data" / "territories.csv"
    data.write_text(data.read_text(encoding="utf-8") + "bad id!,X,commune,,\n", encoding="utf-8")
    code, _, err = cli("validate", "--root", root_copy)
    assert code == 1 and err.rstrip().endswith("problem(s).")
    assert "nothing was written" not in err
    code, _, err = cli("progress", "--root", root_copy, "--out", root_copy / "p.csv")
    assert code == 1 and "problem(s); nothing was written." in err


def test_history_keeps_one_coalitions_figures(cli):
    code, out, _ = cli("history", "--root", FIXTURE_ROOT, "--coalition", "alpha")
    rows = [line for line in out.splitlines() if line.strip() and not line.startswith(" ")]  # one per figure
    assert code == 0 and rows and all(line.split()[2] == "alpha" for line in rows)
    code, everything, _ = cli("history", "--root", FIXTURE_ROOT)
    assert len(everything.splitlines()) > len(out.splitlines())


def test_the_command_speaks_french_when_asked_or_when_the_locale_is_french(root_copy, tmp_path, cli, monkeypatch):
    """Issue 22: `observatory --lang fr …` or a French locale: the problems and the command's own lines in French."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    figures = root_copy / "data" / "observations" / "figures.csv"
    figures.write_text(figures.read_text(encoding="utf-8").replace("2020-12-31,250,alpha",
                                                                   "2020-12-31,mille deux cents,alpha"),
                       encoding="utf-8")
    code, _, french = cli("--lang", "fr", "validate", "--root", root_copy)
    assert code == 1
    assert ("data/observations/figures.csv, ligne 2, colonne 'value' : trouvé 'mille deux cents', attendu un nombre "
            "écrit avec un point décimal et sans séparateur de milliers, par exemple 1234.5") in french
    assert french.rstrip().endswith(": 1 problème(s).")
    code, _, english = cli("validate", "--root", root_copy)
    assert ("data/observations/figures.csv, row 2, column 'value': found 'mille deux cents', expected a number "
            "written with a decimal point") in english
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert cli("validate", "--root", root_copy)[2] == french
    assert cli("--lang", "en", "validate", "--root", root_copy)[2] == english  # --lang before the locale
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # LC_ALL before LANG, as gettext reads them
    assert cli("validate", "--root", root_copy)[2] == english
    # an import refused, and an error of the command line, in French
    figures.write_text(figures.read_text(encoding="utf-8").replace("mille deux cents", "250"), encoding="utf-8")
    sent = tmp_path / "chiffres.csv"
    sent.write_text("indicator,territory,date,value\npeople-trained,rennes,2021-12-31,3OO\n", encoding="utf-8")
    code, _, err = cli("--lang", "fr", "import", sent, "--coalition", "alpha", "--root", root_copy)
    assert code == 1 and "chiffres.csv, ligne 2, colonne 'value' : trouvé '3OO'" in err
    assert err.rstrip().endswith(": 1 problème(s) ; rien n'a été écrit.")
    code, _, err = cli("--lang", "fr", "import", tmp_path / "absent.csv", "--coalition", "alpha", "--root", root_copy)
    assert code == 1 and err == "erreur : absent.csv : fichier introuvable\n"


def test_the_messages_language_is_not_the_editions_to_build():
    from observatory.cli import build_parser

    args = build_parser().parse_args(["--lang", "en", "build", "--lang", "fr"])
    assert (args.language, args.lang) == ("en", "fr")  # messages in English, the French edition built
    assert "Not to be confused with `build --lang`" in " ".join(build_parser().format_help().split())


def test_the_reporting_cycle_commands_speak_french_too(root_copy, cli, monkeypatch):
    """Issue 22 item 3: `status`, `review` and `remind` say their own lines in the reader's language as well."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    (root_copy / "data" / "programme.yml").write_text("review: true\n", encoding="utf-8")
    code, _, err = cli("--lang", "fr", "review", "list", "--root", root_copy)
    assert code == 0 and "aucun dépôt n'attend de revue" in err
    code, _, err = cli("--lang", "fr", "review", "approve", "pas-un-id", "--root", root_copy)
    assert code == 1 and "dépôt 'pas-un-id' : attendu un identifiant" in err
    code, _, err = cli("--lang", "fr", "review", "return", "--root", root_copy)
    assert code == 1 and "attendu l'identifiant du dépôt" in err
    code, _, err = cli("review", "list", "--root", root_copy)  # English otherwise, as before
    assert code == 0 and "no submission awaits review" in err


def test_import_source_and_serve_speak_french_too(root_copy, tmp_path, cli, monkeypatch):
    """Issue 22 item 3: the sources' refusals and serve's own lines in the reader's language, English unchanged."""
    import socket

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    absent = tmp_path / "barometre.csv"
    code, _, err = cli("--lang", "fr", "import-source", "barometre", absent, "--root", root_copy)
    assert (code, err) == (1, "erreur : import-source barometre : --coalition ID est requis (la coalition dont ce "
                              "sont les cibles), ou --figures-only\n")
    code, _, err = cli("--lang", "fr", "import-source", "barometre", absent, "--coalition", "alpha",
                       "--accept-suggested", "--root", root_copy)
    assert (code, err) == (1, f"erreur : {absent} : fichier introuvable\n")
    code, _, err = cli("--lang", "fr", "import-source", "jgmd", absent, "--date", "10/11/2025", "--root", root_copy)
    assert (code, err) == (1, "erreur : --date 10/11/2025 : attendu la date de l'évaluation, AAAA-MM-JJ\n")
    code, _, err = cli("import-source", "barometre", absent, "--root", root_copy)  # English otherwise, as before
    assert err == ("error: import-source barometre: --coalition ID is required (whose targets these are), "
                   "or --figures-only\n")
    with socket.socket() as taken:  # a port another program holds: serve stops before starting anything
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = cli("--lang", "fr", "serve", "--port", port, "--root", root_copy)
        assert code == 2 and f"erreur : le port {port} sur 127.0.0.1 est déjà utilisé" in err
        code, _, err = cli("serve", "--port", port, "--root", root_copy)
        assert code == 2 and err == (f"error: port {port} on 127.0.0.1 is already in use (another observatory "
                                     "serve?): stop that program or choose another port with --port; nothing was "
                                     "started\n")


@pytest.mark.parametrize("command", [["validate"], ["build", "--only", "programme"], ["leads", "token", "--coalition",
                                                                                        "alpha"]])
def test_an_empty_root_is_a_usage_error_not_another_root(command, capsys, tmp_path, monkeypatch):
    """`--root "$ROOT"` with ROOT unset: refused by name, not silently read as $OBSERVATORY_ROOT or the repository."""
    from observatory.cli import main

    monkeypatch.chdir(tmp_path)  # nothing here: had the root been taken from elsewhere, it would have run
    with pytest.raises(SystemExit) as exited:
        main([*command, "--root", ""])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "argument --root: found '', expected the data root's folder" in err
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []
