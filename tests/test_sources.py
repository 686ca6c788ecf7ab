"""Public sources are plug-ins: found through the entry-point group observatory.sources, ours and others'."""

from __future__ import annotations

import textwrap

import pytest

from observatory import sources

PLUGIN = '''
from observatory.sources import Conversion


class Echo:
    name = "echo"
    description = "a CSV of observations, kept as it is (a third party's source)"

    def add_arguments(self, parser):
        parser.add_argument("--stem", default="echo", help="the name of the data file to write")

    def options(self, args):
        return {"stem": args.stem}

    def convert(self, root, path, stem):
        if stem == "crash":
            raise RuntimeError("the plug-in broke")
        return Conversion({f"data/observations/{stem}.csv": path.read_bytes()}, {"rows": 1})

    def summary(self, file, conversion, written):
        return [f"echoed {file}: {conversion.facts['rows']} row" + ("" if written else " (already there)")]


PLUGIN = Echo()
'''


@pytest.fixture
def third_party(tmp_path, monkeypatch):
    """A package installed beside the observatory (a folder on sys.path with its *.dist-info), not by pip."""
    site = tmp_path / "site"
    (site / "echo_source").mkdir(parents=True)
    (site / "echo_source" / "__init__.py").write_text(PLUGIN)
    info = site / "echo_source-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-source\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""\
        [observatory.sources]
        echo = echo_source:PLUGIN
        broken = echo_source:NOT_THERE
        """))
    monkeypatch.syspath_prepend(str(site))
    return site


def test_the_built_in_sources_are_registered_through_entry_points():
    found = sources.registry()
    assert {"barometre", "jgmd"} <= set(found.sources)
    assert not found.broken


def test_a_source_registered_by_another_package_imports_like_ours(third_party, root_copy, tmp_path, cli, capsys):
    assert "echo" in sources.registry().sources
    assert "echo a CSV of observations, kept as it is (a third party's source)" in _help(capsys, "import-source")
    figures = tmp_path / "figures.csv"
    figures.write_text("indicator,territory,date,value,coalition,source,comment\n"
                       "people-trained,rennes,2023-12-31,600,alpha,Registre de formation,\n")
    code, _, err = cli("import-source", "echo", figures, "--stem", "more", "--root", root_copy)
    assert (code, err) == (0, f"echoed {figures}: 1 row\n")
    assert (root_copy / "data" / "observations" / "more.csv").read_bytes() == figures.read_bytes()
    code, _, err = cli("import-source", "echo", figures, "--stem", "more", "--root", root_copy)
    assert (code, err) == (0, f"echoed {figures}: 1 row (already there)\n")
    assert cli("validate", "--root", root_copy)[0] == 0


def test_a_source_is_checked_against_the_whole_root_before_anything_is_written(third_party, root_copy, tmp_path,
                                                                               cli):
    figures = tmp_path / "figures.csv"
    figures.write_text("indicator,territory,date,value,coalition,source,comment\n"
                       "people-trained,atlantis,2023-12-31,600,alpha,Registre de formation,\n")
    code, _, err = cli("import-source", "echo", figures, "--root", root_copy)
    assert code == 1
    assert "atlantis" in err and "nothing was written" in err
    assert not (root_copy / "data" / "observations" / "echo.csv").exists()


def test_a_broken_plug_in_is_named_and_the_others_still_work(third_party, root_copy, tmp_path, cli, capsys):
    assert "broken: echo_source:NOT_THERE: AttributeError" in _help(capsys, "import-source")
    assert cli("validate", "--root", root_copy)[0] == 0


def test_a_source_failing_unexpectedly_exits_3_without_traceback_and_writes_nothing(third_party, root_copy,
                                                                                   tmp_path, cli):
    figures = tmp_path / "figures.csv"
    figures.write_text("indicator,territory,date,value\n")
    code, _, err = cli("import-source", "echo", figures, "--stem", "crash", "--root", root_copy)
    assert code == 3
    assert err == ("unexpected error: RuntimeError: the plug-in broke (run with --debug for details, "
                   "and please report it)\n")
    assert not (root_copy / "data" / "observations" / "crash.csv").exists()


def test_import_source_help_names_every_source_with_its_description_and_options(capsys):
    text = _help(capsys, "import-source")
    for source in sources.registry().sources.values():
        assert f"{source.name} {_collapsed(source.description)}" in text
    assert "import-source barometre [-h] [--root ROOT] [--coalition COALITION]" in text
    assert "import-source jgmd [-h] [--root ROOT] [--date DATE] file" in text


def _help(capsys, *command: str) -> str:
    """``observatory COMMAND --help``, its lines joined (argparse wraps them to the terminal's width)."""
    from observatory.cli import main

    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    return _collapsed(capsys.readouterr().out)


def _collapsed(text: str) -> str:
    return " ".join(text.split())
