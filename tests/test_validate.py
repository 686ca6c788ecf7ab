"""`observatory validate`: the shipped data passes, and each fault is named precisely."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURE_ROOT, REPO
from tests.faults import FAULTS, assert_validate_names
from tests.helpers import ALPHA, OBS, replace



@pytest.mark.parametrize("fault,introduce,lines", FAULTS, ids=[f[0] for f in FAULTS])
def test_each_fault_is_named(root_copy, cli, fault, introduce, lines):
    assert_validate_names(root_copy, cli, fault, introduce, lines)


def test_fixture_root_is_valid(cli):
    code, _, err = cli("validate", "--root", FIXTURE_ROOT)
    assert code == 0, err
    assert "OK" in err


def test_shipped_data_is_valid(cli):
    code, _, err = cli("validate", "--root", REPO)
    assert code == 0, err
    assert "OK" in err


def test_every_problem_is_listed_in_one_pass(root_copy, cli):
    replace(root_copy, OBS, "2020-12-31,250,alpha", "2020-12-31,abc,alpha")
    replace(root_copy, OBS, "2022-12-31,10,alpha", "2022-12-31,10,gamma")
    replace(root_copy, ALPHA, "territory: fr", "territory: europe")
    code, _, err = cli("validate", "--root", root_copy)
    assert code == 1
    assert "3 problem(s)" in err
    assert len([line for line in err.splitlines() if ": found " in line]) == 3


def test_not_a_data_root(tmp_path, cli):
    code, _, err = cli("validate", "--root", tmp_path / "missing")
    assert code == 1
    assert "no such folder" in err and "Traceback" not in err
