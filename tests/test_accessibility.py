"""Every kind of static page, in both languages, passes axe-core (WCAG 2.2 AA as axe checks it, best
practices included) with zero violations; the live pages are checked in tests/test_browser_live.py."""

from __future__ import annotations

import pytest

from tests.conftest import REPO, axe_violations

STATIC = ["index.html", "en/index.html", "coalitions/alpha.html", "en/coalitions/alpha.html",
          "territories/rennes.html", "en/territories/bretagne.html", "404.html", "en/404.html"]


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
