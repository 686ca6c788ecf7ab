"""The data root is a Path from the boundaries on (issue 24): the command line, the notebooks' façade and the
analysts' ``observatory.open`` turn what they are given into one through ``root_paths.data_root``; every
function inside takes ``root: Path`` and never wraps it in ``Path()`` again."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import observatory
from observatory import dashboard, root_paths
from observatory.cli import build_parser
from tests.conftest import FIXTURE_ROOT

# Where a str may come in: the conversions themselves, and what notebooks and analysts call with a typed text.
BOUNDARIES = {
    "observatory.root_paths.data_root",
    "observatory.root_paths.given_folder",
    "observatory.workbench.open_root",
}
# The notebooks' façade: their parameters cell gives ``root``, ``results_dir``, ``leads_dir`` as str or None.
NOTEBOOK_FACADE = re.compile(r"observatory\.(dashboard\.\w+|explore\.app|submission_page\.app|review_page\.app)$")
FOLDER_PARAMETERS = {"root", "results_dir", "leads_dir"}  # the folders the notebooks pass


def _functions():
    """Every function and method defined in the package, with its dotted name."""
    for info in pkgutil.walk_packages(observatory.__path__, "observatory."):
        if info.name.endswith("__main__"):  # runs the command line on import
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", value
            elif inspect.isclass(value) and value.__module__ == module.__name__:
                for attribute, member in vars(value).items():
                    member = getattr(member, "__func__", member)  # classmethods, staticmethods
                    if inspect.isfunction(member):
                        yield f"{module.__name__}.{name}.{attribute}", member


def _alternatives(annotation) -> set[str]:
    """The types a parameter's annotation accepts, by name: ``str | os.PathLike[str] | None`` → str, PathLike,
    None (the annotations are texts: every module has ``from __future__ import annotations``)."""
    text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "["
        depth -= char == "]"
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return {part.strip().split("[")[0].rsplit(".", 1)[-1] for part in parts}


def test_no_function_inside_takes_a_path_as_a_str_or_a_path():
    """Only the boundaries accept ``str | Path``; inside, a root or a folder is a Path and nothing converts it."""
    either = []
    for name, function in _functions():
        for parameter in inspect.signature(function).parameters.values():
            accepted = _alternatives(parameter.annotation) if parameter.annotation is not parameter.empty else set()
            if "str" in accepted and accepted & {"Path", "PathLike"} and name not in BOUNDARIES:
                either.append(f"{name}({parameter.name}: {parameter.annotation})")
    assert not either, "take a Path, converted once at the boundary (root_paths.data_root):\n" + "\n".join(either)


def test_a_root_or_folder_parameter_is_a_str_only_in_the_notebooks_facade():
    texts = []
    for name, function in _functions():
        for parameter in inspect.signature(function).parameters.values():
            if parameter.name not in FOLDER_PARAMETERS or parameter.annotation is parameter.empty:
                continue
            if "str" in _alternatives(parameter.annotation) and name not in BOUNDARIES \
                    and not NOTEBOOK_FACADE.match(name):
                texts.append(f"{name}({parameter.name}: {parameter.annotation})")
    assert not texts, "\n".join(texts)


def test_the_command_line_gives_every_command_a_path():
    parser = build_parser()
    assert parser.parse_args(["validate"]).root == Path(".")
    assert isinstance(parser.parse_args(["validate", "--root", "some/root"]).root, Path)
    build = parser.parse_args(["build", "--root", "r", "--out", "site"])
    assert (build.root, build.out) == (Path("r"), Path("site"))
    imported = parser.parse_args(["import", "figures.csv", "--coalition", "alpha", "--root", "r"])
    assert (imported.root, imported.file) == (Path("r"), Path("figures.csv"))
    review = parser.parse_args(["review", "list", "--root", "r", "--leads-dir", "secrets"])
    assert (review.root, review.leads_dir) == (Path("r"), Path("secrets"))


def test_data_root_is_the_one_conversion(monkeypatch):
    monkeypatch.delenv(root_paths.ROOT_VARIABLE, raising=False)
    assert root_paths.data_root(None) == root_paths.REPOSITORY == Path(observatory.__file__).resolve().parent.parent
    assert root_paths.data_root("some/root") == Path("some/root")
    monkeypatch.setenv(root_paths.ROOT_VARIABLE, "/srv/root")
    assert root_paths.data_root(None) == root_paths.data_root("") == Path("/srv/root")
    assert root_paths.data_root(Path("given")) == Path("given")


def test_a_notebook_still_passes_its_root_as_a_str(monkeypatch):
    monkeypatch.delenv("OBSERVATORY_RESULTS", raising=False)
    page = dashboard.programme_page("en", root=str(FIXTURE_ROOT))
    assert set(page.coalition_names) == {path.stem for path in (FIXTURE_ROOT / "data" / "coalitions").glob("*.yml")}


def test_inside_a_str_root_is_refused_not_converted():
    with pytest.raises(TypeError):
        root_paths.at(str(FIXTURE_ROOT), root_paths.DATA)
