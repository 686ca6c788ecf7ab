"""Screenshots of the shipped site for the README, taken in Debian's Chromium.

Usage (after `observatory build`, from the repository's root):

    .venv/bin/python docs/take_screenshots.py [--site reports] [--out docs/screenshots] [--live]

The top of each page (the first screenful, 1200×900) of the static site in both languages (programme, map, a coalition, a territory, the Self Data
page, the accessibility statement), and a territory's chart with demonstration figures; with --live, `observatory serve` is started for the explorer, in both languages.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PAGES = {
    "programme": "index.html",
    "coalition": "coalitions/dematerialiser-sans-deshumaniser.html",
    "territory": "territories/bretagne.html",
    "self-data": "self-data.html",
}
CHROMIUM = "/usr/bin/chromium"


def shoot(page, url: str, path: Path, selector: str | None = None, full: bool = False) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(800)  # charts draw after load
    if selector:
        page.locator(selector).first.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=full)
    print(f"wrote {path}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="reports")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--live", action="store_true", help="also the explorer, served live by observatory serve")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    site, out = Path(args.site).resolve(), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        for lang, prefix in (("fr", ""), ("en", "en/")):
            for name, path in PAGES.items():
                shoot(page, (site / prefix / path).as_uri(), out / f"{name}-{lang}.png")
            shoot(page, (site / prefix / "index.html").as_uri(), out / f"map-{lang}.png", ".territory-map")
            # A territory's chart of demonstration figures (open diamonds, dotted line), with its words.
            page.goto((site / prefix / "territories/occitanie.html").as_uri())
            page.wait_for_timeout(800)
            index = page.evaluate("""() => [...document.querySelectorAll('.obs-chart')].findIndex(
                el => /monstration \\(/.test(el.nextElementSibling.textContent))""")
            chart = page.locator(".obs-chart").nth(index)
            box = chart.bounding_box()
            summary = page.locator(".obs-chart ~ p.chart-summary").nth(index).bounding_box()
            page.screenshot(path=str(out / f"timeline-demonstration-{lang}.png"), full_page=True,
                            clip={"x": 0, "y": box["y"] - 10, "width": 1200,
                                  "height": summary["y"] + summary["height"] - box["y"] + 20})
            print(f"wrote {out / f'timeline-demonstration-{lang}.png'}")
            statement = "accessibilite.html" if lang == "fr" else "accessibility.html"
            shoot(page, (site / prefix / statement).as_uri(), out / f"accessibility-{lang}.png")
        if args.live:
            port = free_port()
            server = subprocess.Popen([sys.executable, "-m", "observatory", "serve", "--port", str(port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                base = f"http://127.0.0.1:{port}"
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    try:
                        urllib.request.urlopen(base + "/voila/static/voila.js", timeout=5)  # noqa: S310
                        break
                    except OSError:
                        time.sleep(0.5)
                for lang, prefix in (("fr", ""), ("en", "en/")):
                    page.goto(f"{base}/voila/render/{prefix}explorer.ipynb", wait_until="commit", timeout=120000)
                    page.wait_for_selector(".js-plotly-plot svg.main-svg", timeout=120000)
                    page.wait_for_timeout(1000)
                    page.screenshot(path=str(out / f"explorer-{lang}.png"))
                    print(f"wrote {out / f'explorer-{lang}.png'}")
            finally:
                os.killpg(server.pid, signal.SIGINT)
                server.wait(30)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
