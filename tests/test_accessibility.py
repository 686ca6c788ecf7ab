"""Every kind of static page, in both languages, passes axe-core (WCAG 2.2 AA as axe checks it, best
practices included) with zero violations; the live pages are checked in tests/test_browser_live.py."""

from __future__ import annotations

import pytest

from tests.conftest import REPO, axe_violations

STATIC = ["index.html", "en/index.html", "coalitions/alpha.html", "en/coalitions/alpha.html",
          "territories/rennes.html", "en/territories/bretagne.html", "404.html", "en/404.html",
          "accessibilite.html", "en/accessibility.html",
          "methode.html", "en/method.html"]


@pytest.fixture(scope="module")
def self_data_site(tmp_path_factory):
    """The shipped root's Self Data page (the real register), both editions."""
    from observatory.build import build

    out = tmp_path_factory.mktemp("self-data-site")
    assert build(REPO, out, jobs=2, only=["self-data"], say=lambda _: None).ok
    return out


@pytest.mark.parametrize("path", STATIC)
def test_static_pages_have_no_axe_violation(built_site, page, path):
    page.goto((built_site / path).as_uri())
    page.wait_for_timeout(300)  # the charts drawn
    assert page.evaluate("document.documentElement.lang") == ("en" if path.startswith("en/") else "fr")
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["self-data.html", "en/self-data.html"])
def test_the_self_data_page_has_no_axe_violation(self_data_site, page, path):
    page.goto((self_data_site / path).as_uri())
    page.wait_for_timeout(300)
    assert axe_violations(page) == []


@pytest.mark.parametrize("path, statement, words", [
    ("territories/rennes.html", "accessibilite.html", "Accessibilité : partiellement conforme"),
    ("en/coalitions/alpha.html", "en/accessibility.html", "Accessibility: partially compliant"),
    ("404.html", "accessibilite.html", "Accessibilité : partiellement conforme")])
def test_the_accessibility_statement_is_reached_from_the_footer(built_site, page, path, statement, words):
    """Every page's footer links to the accessibility statement (RGAA 4.1): compliance level, what is not accessible,
    how it was tested, a contact, the Défenseur des droits as recourse."""
    page.goto((built_site / path).as_uri())
    page.get_by_role("link", name=words).click()
    assert page.url == (built_site / statement).as_uri()
    text = page.inner_text("main")
    assert "Défenseur des droits" in text and "axe-core" in text and "mailto:" in page.content()
    assert ("partiellement conforme" if statement == "accessibilite.html" else "partially compliant") in text
