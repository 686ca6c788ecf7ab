"""The texts readers see: one catalogue per language, the same keys in each, every key used."""

from __future__ import annotations

import re
import string

import pytest

from observatory.pages import contrast

from observatory import dashboard, i18n, model, selfdata
from tests.conftest import REPO

PACKAGE = REPO / "observatory"
# Closed vocabularies: their names are looked up with the value, e.g. status_names.<status>.
GROUPS = {
    "status_names": model.STATUSES,
    "quality_names": model.QUALITIES,
    "difficulty_names": selfdata.DIFFICULTIES,
    "answer_names": selfdata.ANSWERS,
    "level_names": model.TERRITORY_LEVELS,
    "maturity_names": model.MATURITIES,
    "axis_names": model.AXES,
    "lever_names": model.LEVERS,
}


def sources() -> str:
    """Every file of the package that can show a text: the code and the templates (not the catalogues)."""
    files = [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.j2")]
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys_and_the_same_fields():
    french = i18n.catalogue("fr")
    for lang in i18n.LANGS:
        texts = i18n.catalogue(lang)
        assert sorted(texts) == sorted(french), f"{lang}.yml and fr.yml differ"
        for key, text in texts.items():
            assert text.strip(), f"{lang}.yml, key '{key}': empty"
            assert fields(text) == fields(french[key]), f"{lang}.yml, key '{key}': not the same {{fields}} as fr.yml"


def test_every_key_is_used_in_the_package():
    code = sources()
    flat = [key for key in i18n.catalogue("fr") if "." not in key]
    # t("key"…), self.t("key"…), i18n.t("key"…), in code and templates alike
    unused = [key for key in flat if not re.search(rf"""\bt\(\s*["']{re.escape(key)}["']""", code)]
    assert unused == [], f"texts no page shows: {unused}"


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_vocabulary_has_a_name_for_each_value_and_no_other(group):
    named = {key.split(".", 1)[1] for key in i18n.catalogue("fr") if key.startswith(group + ".")}
    assert named == set(GROUPS[group])
    assert group in sources()


def test_statuses_are_declared_once_with_a_colour_and_a_name():
    assert model.STATUSES == tuple(s.id for s in model.STATUS_TABLE)
    style = dashboard.style().html
    for status in model.STATUS_TABLE:
        assert re.fullmatch(r"#[0-9a-f]{6}", status.colour)
        # the badge keeps its status's colour, or a darker one, with a text colour that reads (4.5:1)
        background, text = contrast.badge(status.colour)
        assert f".obs .badge.{status.id} {{ background: {background}; color: {text}; }}" in style
        assert contrast.ratio(background, text) >= 4.5
        assert {i18n.status_name(status.id, lang) for lang in i18n.LANGS} - {""}


@pytest.mark.parametrize("line", ["answer_names:\n  yes: oui\n", "answer_names:\n  'yes': no\n"])
def test_an_unquoted_yes_or_no_in_a_catalogue_is_named(tmp_path, line):
    (tmp_path / "fr.yml").write_text(line, encoding="utf-8")
    with pytest.raises(ValueError, match=r"fr.yml, key 'answer_names.(True|yes)': found .*, expected a text"):
        i18n.read_catalogue(tmp_path / "fr.yml")
