"""Screenshots of the main pages at 1280 and 390 px (docs/screenshots/, linked from the README).

Run against a demo site (``make run`` or ``flask run`` on a database seeded with ``flask csti
seed-demo``):  ``.venv/bin/python tools/screenshots.py http://127.0.0.1:5000 docs/screenshots``.
Debian's Chromium, offline like the browser tests: Leaflet comes from node_modules and the map
tiles are blank (tests/browser/conftest.py, ``Offline``). The desktop and the phone log in as two
different demo members, so that each sees its unread notifications' badge.
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser.conftest import NOT_LOOPBACK, Offline  # noqa: E402

PASSWORD = "demo-csti-2026"
PUBLIC = [("home", "/"), ("agenda", "/agenda"), ("agenda-map", "/agenda?view=map"),
          ("directory", "/actors"), ("search", "/search?q=science"), ("groups", "/groups")]
MEMBER = [("home-member", "/"), ("my-feed", "/me/feed"), ("my-follows", "/me/follows"),
          ("event-form", "/events/new"), ("notifications", "/notifications"), ("mail-settings", "/me/mail")]
# What the animator of Occitanie sees (issue #15): her statistics, audit log and settings.
ANIMATOR = ("claire.martin@csti.example", [("moderation", "/moderation"), ("stats", "/t/occitanie/stats"),
                                            ("audit", "/t/occitanie/audit"), ("territory-settings", "/t/occitanie/settings")])
WIDTHS = ((1280, 900, "desktop", "sophie.nguyen@csti.example"), (390, 844, "phone", "julien.morel@csti.example"))


def take(page, url: str, target: Path, width: int, height: int) -> None:
    page.goto(url)
    page.wait_for_timeout(600)  # maps and images settle
    tall = min(page.evaluate("document.documentElement.scrollHeight"), height * 2)
    page.screenshot(path=str(target), type="jpeg", quality=60, full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": tall})
    print(f"{target.name}  {page.url}")


def _log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_load_state()


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        for width, height, label, member in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
            context.route(NOT_LOOPBACK, Offline())
            page = context.new_page()

            def shoot(name, path, page=page, width=width, height=height, label=label):
                take(page, base + path, out / f"{name}-{label}.jpg", width, height)

            for name, path in PUBLIC:
                shoot(name, path)
            page.goto(base + "/agenda")
            shoot("event", page.locator("main a[href^='/event/']").first.get_attribute("href"))
            page.goto(base + "/actors")
            shoot("structure", page.locator("main a[href^='/actor/']").first.get_attribute("href"))
            page.goto(base + "/groups")
            shoot("group", page.locator("main a[href^='/group/']").first.get_attribute("href"))
            _log_in(page, base, member)
            for name, path in MEMBER:
                shoot(name, path)
            context.close()
            context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
            context.route(NOT_LOOPBACK, Offline())
            page = context.new_page()
            _log_in(page, base, ANIMATOR[0])
            for name, path in ANIMATOR[1]:
                take(page, base + path, out / f"{name}-{label}.jpg", width, height)
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000",
         Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots"))
