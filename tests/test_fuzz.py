"""Whatever is in the files, `observatory validate` answers with messages, never a traceback."""

from __future__ import annotations

import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURE_ROOT

CELLS = st.one_of(st.text(max_size=12), st.sampled_from(["", "2021", "2021-02-30", "1e309", "nan", "-0", "=1+1",
                                                         "people-trained", "rennes", "alpha", '"', "\r\n", ";"]))
ROWS = st.lists(st.lists(CELLS, min_size=0, max_size=9), max_size=8)
# Values that used to escape as exceptions: impossible unquoted dates, integers too long for Python's
# int-to-text conversion, unhashable keys, bad tags, nesting deeper than the interpreter's recursion limit.
HOSTILE_VALUES = ["2019-02-30", "2019-13-01 10:00:00", "9" * 5000, "0x" + "F" * 5000, "-0b" + "1" * 20000,
                  "!!int " + "1" * 5000, "!!timestamp 2019-02-30", "!!bool maybe", "!!binary x", "{[1]: 2}",
                  "&a [*a]", "[" * 3000 + "]" * 3000, "1e400", "0001-01-01", "9999-12-31", "-1e308"]
TARGET = ("[{{indicator: people-trained, territory: rennes, baseline: {{date: {0}, value: {0}}}, "
          "target: {{date: {0}, value: {0}}}}}]")
YAML_TEXT = st.one_of(
    st.text(max_size=200),
    st.builds(lambda key, value: f"{key}: {value}\n", st.sampled_from(["id", "targets", "name", "leads", "axes"]),
              st.sampled_from(["[", "{a: 1}", "- x", "null", "[{indicator: 1, baseline: 2}]", "!!python/object x"])),
    st.builds(lambda key, value: f"{key}: {value}\n",
              st.sampled_from(["id", "name", "leads", "partners", "decimals", "limit", "2019-02-30"]),
              st.sampled_from(HOSTILE_VALUES)),
    st.builds(lambda value: f"id: beta\ntargets: {TARGET.format(value)}\n", st.sampled_from(HOSTILE_VALUES)),
    st.sampled_from(["", "# rien\n", "---\n", "null\n", "[" * 3000 + "]" * 3000]),
)
# 20 examples a file: each runs the whole validation (Great Expectations included), about 0.6 s.
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check(cli, root):
    code, _, err = cli("validate", "--root", root)
    assert code in (0, 1), err
    assert "Traceback" not in err and "unexpected error" not in err, err


@FUZZ
@given(rows=ROWS, raw=st.binary(max_size=60))
def test_any_observations_file(tmp_path_factory, cli, rows, raw):
    root = tmp_path_factory.mktemp("fuzz") / "root"
    shutil.copytree(FIXTURE_ROOT, root)
    lines = ["indicator,territory,date,value,coalition"] + [",".join(r) for r in rows]
    (root / "data" / "observations" / "figures.csv").write_bytes("\n".join(lines).encode("utf-8", "replace") + raw)
    _check(cli, root)


@FUZZ
@given(text=YAML_TEXT)
def test_any_coalition_or_indicator_file(tmp_path_factory, cli, text):
    root = tmp_path_factory.mktemp("fuzz") / "root"
    shutil.copytree(FIXTURE_ROOT, root)
    (root / "data" / "coalitions" / "beta.yml").write_text(text, encoding="utf-8")
    (root / "indicators" / "frugal" / "device-lifetime.yml").write_text(text, encoding="utf-8")
    _check(cli, root)
