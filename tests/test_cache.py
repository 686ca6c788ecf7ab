"""Validation's cache: an unchanged root is not checked again, and nothing else changes.

The other tests run with the cache off (tests/conftest.py) so that every message comes from
the real suites; these turn it on, each in a cache folder of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from observatory import cache
from observatory.errors import InvalidDataRoot
from tests.conftest import REPO
from tests.faults import FAULTS
from tests.helpers import ALPHA, OBS, replace

HEAVY = ("great_expectations", "nbformat", "papermill", "plotly")

# Runs `observatory validate` in a fresh interpreter and says which heavy libraries it imported, and
# "checked" if the root's files were checked (not taken from the cache).
PROBE = """
import sys
import observatory.validate as validate
from observatory.cli import main
checked, check_root = [], validate.check_root
validate.check_root = lambda *args, **kwargs: checked.append(1) or check_root(*args, **kwargs)
code = main(sys.argv[1:])
print(" ".join([m for m in {heavy!r} if m in sys.modules] + (["checked"] if checked else [])))
sys.exit(code)
""".format(heavy=HEAVY)


@pytest.fixture
def cached(tmp_path, monkeypatch) -> Path:
    """The cache on, in a folder of its own; returns that folder."""
    folder = tmp_path / "cache"
    monkeypatch.delenv("OBSERVATORY_NO_CACHE", raising=False)
    monkeypatch.setenv("OBSERVATORY_CACHE_DIR", str(folder))
    return folder


def probe(root: Path, *options: str, env: dict | None = None, pythonpath: Path | None = None):
    """(exit code, heavy modules imported, stderr) of `observatory validate` in a new process."""
    environment = {**os.environ, **(env or {})}
    if pythonpath:
        environment["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run([sys.executable, "-c", PROBE, "validate", "--root", str(root), *options],
                          capture_output=True, text=True, env=environment, cwd=pythonpath or REPO, timeout=300)
    return done.returncode, done.stdout.split(), done.stderr


def without_time(err: str) -> str:
    """The OK line ends with the seconds taken, the one thing allowed to differ."""
    return "\n".join(line.rsplit(" (", 1)[0] if ": OK — " in line else line for line in err.splitlines())


def outcome(root: Path, use_cache: bool = True):
    from observatory.validate import validated

    try:
        return validated(root, use_cache=use_cache)
    except InvalidDataRoot as exc:
        return [str(p) for p in exc.problems]


def assert_same(first, second) -> None:
    if isinstance(first, list) or isinstance(second, list):
        assert first == second
        return
    assert first.path == second.path
    for name in ("indicators", "territories", "coalitions", "targets", "observations", "datasets", "services",
                 "assessments"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), check_exact=True)


def test_an_unchanged_root_is_not_checked_again(root_copy, cached):
    code, heavy, first = probe(root_copy)
    assert code == 0 and "checked" in heavy, first
    code, heavy, second = probe(root_copy)
    assert code == 0, second
    assert heavy == [], f"the second validation of an unchanged root imported {heavy}"
    assert without_time(second) == without_time(first)
    assert list(cached.iterdir()), "the entry is in the cache folder"


def test_the_shipped_root_second_time_imports_nothing_heavy(cached):
    probe(REPO)
    code, heavy, err = probe(REPO)
    assert code == 0 and heavy == [], (heavy, err)


# Every fourth fault of test_validate (8 of 31: parse errors, YAML keys, observation and target rules, cross-file
# checks): the cache stores problems whatever made them; test_validate runs all 31 without it. Keeps CI short.
SAMPLED_FAULTS = FAULTS[::4]


@pytest.mark.parametrize("fault,introduce,lines", SAMPLED_FAULTS, ids=[f[0] for f in SAMPLED_FAULTS])
def test_an_invalid_root_says_the_same_from_the_cache(root_copy, cached, cli, fault, introduce, lines):
    introduce(root_copy)
    code, _, first = cli("validate", "--root", root_copy)  # runs the suites, remembers their problems
    assert code == 1 and list(cached.iterdir())
    code, _, second = cli("validate", "--root", root_copy)
    assert code == 1
    assert second == first
    for line in lines:
        assert line in second


def test_valid_tables_and_progress_are_the_same_from_the_cache(root_copy, cached, cli, tmp_path):
    from observatory import results

    fresh = outcome(root_copy, use_cache=False)
    outcome(root_copy)
    remembered = outcome(root_copy)
    assert list(cached.iterdir())
    assert_same(fresh, remembered)
    pd.testing.assert_frame_equal(results.compute(fresh).progress, results.compute(remembered).progress)
    assert cli("progress", "--root", root_copy, "--out", tmp_path / "a.csv", "--no-cache")[0] == 0
    assert cli("progress", "--root", root_copy, "--out", tmp_path / "b.csv")[0] == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_the_sites_data_from_the_cache_are_what_the_data_give(root_copy, cached):
    """A rebuild with nothing changed takes the results and every data file of the site from the cache;
    after one figure changes, they are what a build without the cache gives, never the stale ones."""
    from observatory import sitedata

    def computed(use_cache: bool = True):
        results, data = sitedata.computed(outcome(root_copy, use_cache=use_cache))
        return results, data.files, {key: (s.digest, s.data_as_of) for key, s in data.slices.items()}

    first = computed()  # computed, then kept
    assert any(p.name.startswith("site-data-") for p in cached.iterdir())
    remembered = computed()
    pd.testing.assert_frame_equal(remembered[0].progress, first[0].progress)
    assert remembered[1] == first[1] and remembered[2] == first[2]
    replace(root_copy, OBS, "2020-12-31,250,alpha", "2020-12-31,251,alpha")
    changed, changed_fresh = computed(), computed(use_cache=False)
    assert changed[1] == changed_fresh[1] and changed[2] == changed_fresh[2]
    assert changed[1] != first[1]
    assert b"251" in changed[1]["data/tables/observations.csv"]


def _new_indicator(root: Path) -> None:
    source = root / "indicators" / "frugal" / "device-lifetime.yml"
    text = source.read_text(encoding="utf-8").replace("device-lifetime", "device-lifetime-bis")
    (root / "indicators" / "frugal" / "device-lifetime-bis.yml").write_text(text, encoding="utf-8")


CHANGES = [
    ("one byte of a figure", lambda r: replace(r, OBS, "2020-12-31,250,alpha", "2020-12-31,251,alpha")),
    ("a figure made invalid", lambda r: replace(r, OBS, "2020-12-31,250,alpha", "2020-12-31,25O,alpha")),
    ("a YAML key", lambda r: replace(r, ALPHA, "intention:", "intentions:")),
    ("a file added", lambda r: (r / "data" / "observations" / "notes.txt").write_text("x", encoding="utf-8")),
    ("an indicator added", _new_indicator),
    ("a file removed", lambda r: (r / "data" / "observations" / "figures.meta.yml").unlink()),
    ("a file renamed", lambda r: (r / ALPHA).rename(r / "data" / "coalitions" / "alpha.yaml")),
    ("the import history", lambda r: (r / "data" / "history.csv").write_text("date\n", encoding="utf-8")),
]


@pytest.mark.parametrize("what,change", CHANGES, ids=[c[0] for c in CHANGES])
def test_any_change_of_the_root_is_seen(root_copy, cached, what, change):
    before = outcome(root_copy)
    digest = cache.root_digest(root_copy)
    change(root_copy)
    assert cache.root_digest(root_copy) != digest
    after = outcome(root_copy)
    assert_same(after, outcome(root_copy, use_cache=False))
    if what != "the import history":  # read by the results only: the tables validated stay the same
        with pytest.raises(AssertionError):
            assert_same(before, after)  # the change shows (a stale entry would hide it)


def test_a_change_of_the_code_is_seen(root_copy, cached, tmp_path):
    """A copy of the package whose message is edited between two runs: the new message is shown."""
    copy = tmp_path / "code"
    shutil.copytree(REPO / "observatory", copy / "observatory", ignore=shutil.ignore_patterns("__pycache__"))
    replace(root_copy, ALPHA, "id: alpha", "id: Alpha")
    code, _, err = probe(root_copy, pythonpath=copy)
    assert code == 1 and "expected the file's name without .yml ('alpha')" in err, err
    # the message's words are in the English catalogue (issue 22), a file of the package as its code is
    replace(copy, "observatory/i18n/en.yml", "the file's name without .yml", "the name of the file, less .yml")
    code, heavy, err = probe(root_copy, pythonpath=copy)
    assert code == 1 and "expected the name of the file, less .yml ('alpha')" in err, err
    assert "checked" in heavy


def test_a_damaged_entry_is_checked_again(root_copy, cached):
    expected = outcome(root_copy)
    (entry,) = cached.glob("*.pickle")
    intact = entry.read_bytes()
    for damaged in (b"", intact[: len(intact) // 2], intact[:-1] + bytes([intact[-1] ^ 1]), b"garbage" * 100):
        entry.write_bytes(damaged)
        assert_same(outcome(root_copy), expected)
        assert entry.read_bytes() == intact, "the entry is written again, whole"


def test_an_unusable_cache_folder_is_no_error(root_copy, tmp_path, monkeypatch, cli):
    monkeypatch.delenv("OBSERVATORY_NO_CACHE", raising=False)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("OBSERVATORY_CACHE_DIR", str(blocker / "cache"))
    for _ in range(2):
        code, _, err = cli("validate", "--root", root_copy)
        assert code == 0 and "OK" in err, err


@pytest.mark.parametrize("how", ["--no-cache", "OBSERVATORY_NO_CACHE=1"])
def test_no_cache_runs_the_suites_and_keeps_nothing(root_copy, cached, how):
    outcome(root_copy)
    entries = {p: p.read_bytes() for p in cached.iterdir()}
    replace(root_copy, OBS, "2020-12-31,250,alpha", "2020-12-31,251,alpha")
    env = {"OBSERVATORY_NO_CACHE": "1"} if how.startswith("OBSERVATORY") else {}
    options = [how] if how.startswith("--") else []
    code, heavy, err = probe(root_copy, *options, env=env)
    assert code == 0 and "checked" in heavy, err
    assert {p: p.read_bytes() for p in cached.iterdir()} == entries, "nothing written with the cache off"


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


def test_validating_writes_nothing_in_the_root(root_copy, cached, cli):
    before = _tree(root_copy)
    for _ in range(2):
        assert cli("validate", "--root", root_copy)[0] == 0
    assert _tree(root_copy) == before


def test_an_interrupted_import_is_finished_even_when_the_root_is_remembered(root_copy, cached):
    outcome(root_copy)
    # An import interrupted after its commit point: the new figures wait beside the file, under a journal.
    text = (root_copy / OBS).read_text(encoding="utf-8").replace("2020-12-31,250,alpha", "2020-12-31,260,alpha")
    (root_copy / (OBS + ".import-tmp")).write_text(text, encoding="utf-8")
    (root_copy / "data" / ".import-journal.json").write_text(json.dumps([[OBS + ".import-tmp", OBS]]),
                                                            encoding="utf-8")
    after = outcome(root_copy)
    assert not (root_copy / "data" / ".import-journal.json").exists()
    assert 260.0 in set(after.observations["value"])
    assert_same(outcome(root_copy), after)


WRITER = """
import sys
from pathlib import Path
from observatory import cache
root = Path(sys.argv[1])
values = [("a", "x" * 2_000_000), ("b", "y" * 3_000_000)]
for i in range(60):
    cache.write(root, "validated", "key", values[i % 2])
"""


def test_two_processes_never_see_half_an_entry(root_copy, cached):
    values = {("a", "x" * 2_000_000), ("b", "y" * 3_000_000)}
    cache.write(root_copy, "validated", "key", ("a", "x" * 2_000_000))
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(root_copy)], env=dict(os.environ), cwd=REPO)
    seen = 0
    while writer.poll() is None:
        value = cache.read(root_copy, "validated", "key")
        assert value in values  # never None: an entry is replaced whole, never rewritten in place
        seen += 1
    assert writer.returncode == 0 and seen > 0
    assert [p.name for p in cached.iterdir()] == [p.name for p in cached.glob("*.pickle")], "no temporary left"


def test_two_validations_at_once_agree(root_copy, cached):
    replace(root_copy, ALPHA, "territory: fr", "territory: europe")
    command = [sys.executable, "-m", "observatory", "validate", "--root", str(root_copy)]
    running = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=REPO) for _ in range(2)]
    errs = [p.communicate(timeout=300)[1] for p in running]
    assert [p.returncode for p in running] == [1, 1]
    assert errs[0] == errs[1] and "europe" in errs[0]
    code, heavy, err = probe(root_copy)
    assert code == 1 and heavy == [] and err == errs[0]


def test_an_entry_others_may_write_is_not_read(root_copy, cached):
    """A pickle can run code when read: an entry anyone else could have written is checked again instead."""
    probe(root_copy)
    (entry,) = cached.glob("*.pickle")
    entry.chmod(0o666)
    code, heavy, err = probe(root_copy)
    assert code == 0 and "checked" in heavy, err
    assert entry.stat().st_mode & 0o077 == 0, "written again, private"


def test_leftovers_of_killed_writers_are_swept(root_copy, cached):
    cached.mkdir()
    old, fresh = cached / "validated-x.pickle.1.tmp", cached / "validated-y.pickle.2.tmp"
    for leftover in (old, fresh):
        leftover.write_bytes(b"half an entry")
    os.utime(old, (0, 0))
    outcome(root_copy)
    assert not old.exists() and fresh.exists()  # a fresh one may be another process's write under way


def test_a_clean_root_is_checked_without_importing_great_expectations(root_copy, cached):
    """Great Expectations (7 s to import) runs only on rows some vectorised check finds suspect."""
    code, heavy, err = probe(root_copy, "--no-cache")
    assert code == 0 and "checked" in heavy and "great_expectations" not in heavy, (heavy, err)
    replace(root_copy, OBS, "2020-12-31,250,alpha", "2020-12-31,25O,alpha")
    code, heavy, err = probe(root_copy, "--no-cache")
    assert code == 1 and "checked" in heavy and "great_expectations" in heavy, (heavy, err)
    assert "column 'value': found '25O', expected a number" in err, err


class _RunsCode:
    """What a forged entry could hold: unpickling it creates a file (it could do anything)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return Path.touch, (self.marker,)


def test_an_entry_for_another_key_is_never_unpickled(root_copy, cached, tmp_path, cli):
    """Issue 20: an entry forged with its checksum recomputed was unpickled before its key was compared."""
    marker = tmp_path / "code-ran"
    cache.write(root_copy, "validated", "another key", _RunsCode(marker))  # the checksum is right
    code, _, err = cli("validate", "--root", root_copy)
    assert code == 0 and "OK" in err, err
    assert not marker.exists(), "the entry was unpickled"


@pytest.mark.parametrize("shape", ["a text", ("valid", 3), ("invalid", [1, 2]), ("valid",), None,
                                   ("unknown", []), ("valid", "a root")], ids=repr)
def test_an_entry_of_the_wrong_shape_is_a_miss(root_copy, cached, cli, shape):
    """Issue 20: the right key with a value of another shape crashed validate (exit 3)."""
    from observatory.validate import plausible_window

    entry_key = cache.key(root_copy, cache.root_digest(root_copy), plausible_window())
    cache.write(root_copy, "validated", entry_key, shape)
    code, _, err = cli("validate", "--root", root_copy)
    assert code == 0 and "OK" in err, err
    assert cache.read(root_copy, "validated", entry_key) != shape, "the entry is written again, right"
