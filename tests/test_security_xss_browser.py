"""No script from comments, in a real browser: every corpus payload is posted over HTTP to one thread of a
live server (as body, and where the API accepts them as name and website), then the real widget (the
/demo/ page) and the dashboard's queue render them all in Chromium with traps installed before any page
script runs: hooked alert/confirm/prompt/print, a dialog listener, a listener for requests leaving the
server (the canary), and a DOM audit of what the browser actually built. Every count must be 0.
The pages are served without their Content-Security-Policy, as on a publisher's page that has none."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import LiveServer, app_settings
from form_filling import with_form_token
from security.apps import record_counts
from security.corpus import all_xss_payloads, normalised_body

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_ARTICLE = "news/2024/09/16/blinken-condemns-russia"
MODERATOR, PASSWORD = "xss-auditor", "a long enough password"

TRAPS = """
(() => {
  const hits = [];
  Object.defineProperty(window, "__xssHits", { value: hits });
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    const trap = function (...args) { hits.push(name + "(" + String(args[0]).slice(0, 60) + ")"); };
    Object.defineProperty(window, name, { value: trap, writable: false, configurable: false });
  }
})();
"""

# Runs in the page after rendering: fires the events payloads wait for, then audits the DOM the browser built.
AUDIT = """
(selector) => {
  const roots = [document];
  for (const host of document.querySelectorAll("[data-commentsvc]")) if (host.shadowRoot) roots.push(host.shadowRoot);
  const forbidden = new Set(["SCRIPT", "STYLE", "IFRAME", "FRAME", "OBJECT", "EMBED", "FORM", "INPUT", "BUTTON",
                             "META", "LINK", "BASE", "SVG", "MATH"]);
  const problems = [];
  let elements = 0;
  for (const root of roots) {
    for (const container of root.querySelectorAll(selector)) {
      for (const el of [container, ...container.querySelectorAll("*")]) {
        elements++;
        if (el !== container && forbidden.has(el.tagName.toUpperCase())) problems.push("element " + el.tagName);
        for (const attr of el.attributes) {
          if (attr.name.toLowerCase().startsWith("on")) problems.push("attribute " + attr.name);
        }
        for (const prop of ["href", "src", "action", "formAction"]) {
          const value = el[prop];
          if (typeof value === "string" && /^\\s*(javascript|vbscript|data):/i.test(value)) problems.push(prop + " " + value.slice(0, 60));
        }
        for (const type of ["mouseover", "mouseenter", "mousemove", "pointerover", "focus", "focusin", "blur",
                            "animationstart", "animationend", "transitionend", "toggle", "load", "error", "input"]) {
          el.dispatchEvent(new Event(type));
        }
      }
    }
  }
  return { elements, problems };
}
"""


def _http(url: str, payload: dict[str, Any]) -> int:
    """Posts as the widget does, with a form token fetched first."""
    payload = with_form_token(url.rsplit("/api/", 1)[0], payload)
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        body = json.loads(error.read() or b"{}")
        assert error.code < 500 and body["error"]["message"], (error.code, payload)
        return error.code


@pytest.fixture(scope="module")
def loaded_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[tuple[LiveServer, dict]]:
    """A live server whose demo thread holds every payload; the numbers say what was accepted where."""
    instance = tmp_path_factory.mktemp("xss-live")
    database = instance / "commentsvc.sqlite3"
    shutil.copyfile(sqlite_template, database)
    settings = {key: str(value) for key, value in app_settings("", instance).items() if key.startswith("COMMENTSVC_")}
    settings.update(
        COMMENTSVC_DATABASE_URL=f"sqlite:///{database}",
        COMMENTSVC_AUTO_MIGRATE="true",
        COMMENTSVC_PAGE_SIZE="100",
        COMMENTSVC_DASHBOARD_PAGE_SIZE="500",
        # Link-heavy payloads would wait in the pending queue; here every one must be rendered.
        COMMENTSVC_MAX_LINKS="100000",
        COMMENTSVC_FLOOD_COPIES="0",  # the corpus's near copies would be a flood; every payload must be shown
    )
    server = LiveServer(settings)
    try:
        payloads = all_xss_payloads()
        outcomes: Counter = Counter()
        for payload in payloads:
            fields = {"article": DEMO_ARTICLE, "body": payload.text}
            one_line = normalised_body(payload.text)
            if "\n" not in one_line:
                fields.update(name=payload.text, website="https://example.com/" + "".join(payload.text.split()))
            status = _http(f"{server.url}/api/v1/comments", fields)
            if status == 400 and "name" in fields:
                outcomes["name or website refused"] += 1
                status = _http(f"{server.url}/api/v1/comments", {"article": DEMO_ARTICLE, "body": payload.text})
            elif status == 201 and "name" in fields:
                outcomes["as body, name and website"] += 1
            outcomes[str(status)] += 1
        _create_moderator(settings)
        yield server, {"payloads": len(payloads), "stored": outcomes["201"], "outcomes": dict(outcomes)}
    finally:
        server.stop()


def _create_moderator(settings: dict[str, str]) -> None:
    from commentsvc import create_app
    from commentsvc.clock import utcnow
    from commentsvc.domain.accounts import create_moderator
    from commentsvc.extensions import db

    app = create_app(dict(settings, COMMENTSVC_AUTO_MIGRATE=False))
    with app.app_context():
        create_moderator(db.session, username=MODERATOR, password=PASSWORD, role="moderator", now=utcnow())
        db.session.commit()
        db.engine.dispose()


class Traps:
    """Dialogs, hooked calls and requests that leave the server, for one browser context."""

    def __init__(self, context: Any, origin: str) -> None:
        self.dialogs: list[str] = []
        self.foreign_requests: list[str] = []
        self.popups = 0
        context.add_init_script(TRAPS)
        context.route("**/*", self._route(origin))
        context.on("page", lambda page: self._watch(page))

    def _route(self, origin: str) -> Any:
        def handle(route: Any) -> None:
            url = route.request.url
            if url.startswith(origin) and route.request.resource_type == "document":
                # Our pages' CSP would block inline handlers on its own; a publisher's page may have none,
                # so the proof runs without it: only the sanitizer and the widget's DOM building stand guard.
                response = route.fetch(max_redirects=0)
                headers = {
                    name: value for name, value in response.headers.items() if name.lower() != "content-security-policy"
                }
                route.fulfill(response=response, headers=headers)
            elif url.startswith(origin) or url.startswith("data:"):
                route.continue_()
            else:
                self.foreign_requests.append(url)
                route.abort()

        return handle

    def _watch(self, page: Any) -> None:
        self.popups += 1
        page.on(
            "dialog", lambda dialog: (self.dialogs.append(f"{dialog.type}: {dialog.message[:60]}"), dialog.dismiss())
        )


def _settle(page: Any) -> None:
    """Payloads that fire late (setTimeout, animations, image errors) get a moment to do so."""
    page.wait_for_timeout(1500)


def test_the_widget_renders_every_corpus_payload_without_running_script(browser, loaded_server):
    """The widget renders every corpus payload without running any script."""
    server, stored = loaded_server
    context = browser.new_context()
    traps = Traps(context, server.url)
    page = context.new_page()
    page.goto(f"{server.url}/demo/")
    page.locator(".commentsvc-comment").first.wait_for(timeout=30_000)
    more = page.locator(".commentsvc-more")
    for _ in range(100):
        if not more.is_visible():
            break
        before = page.locator(".commentsvc-comment").count()
        more.click()
        page.wait_for_function(
            "n => document.querySelector('[data-commentsvc]').shadowRoot.querySelectorAll('.commentsvc-comment').length > n",
            arg=before,
            timeout=30_000,
        )
    rendered = page.locator(".commentsvc-comment").count()
    audit = page.evaluate(AUDIT, ".commentsvc-body, .commentsvc-name")
    _settle(page)
    hooked = page.evaluate("window.__xssHits")
    context.close()

    record_counts(
        "xss_browser_widget",
        {
            **stored,
            "rendered_comments": rendered,
            "audited_elements": audit["elements"],
            "hooked_calls": len(hooked),
            "dialogs": len(traps.dialogs),
            "foreign_requests": len(traps.foreign_requests),
        },
    )
    assert rendered == stored["stored"] > 2000
    assert hooked == []
    assert traps.dialogs == []
    assert traps.foreign_requests == []
    assert audit["problems"] == []
    assert traps.popups == 1


def test_dashboard_queue_shows_every_corpus_payload_without_running_script(browser, loaded_server):
    """The dashboard queue shows every corpus payload without running any script."""
    server, stored = loaded_server
    context = browser.new_context()
    traps = Traps(context, server.url)
    page = context.new_page()
    page.goto(f"{server.url}/dashboard/login")
    page.fill("#username", MODERATOR)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/dashboard/")

    shown: set[str] = set()
    audited, hooked, problems = 0, [], []
    for number in range(1, 20):
        page.goto(f"{server.url}/dashboard/queue/approved?page={number}")
        ids = set(page.eval_on_selector_all("[data-commentsvc-item]", "items => items.map(i => i.dataset.commentId)"))
        if not ids - shown:
            break  # past the last page
        shown |= ids
        audit = page.evaluate(AUDIT, ".commentsvc-body, .commentsvc-author")
        audited += audit["elements"]
        problems += audit["problems"]
        _settle(page)
        hooked += page.evaluate("window.__xssHits")
    context.close()

    record_counts(
        "xss_browser_dashboard",
        {
            **stored,
            "shown_in_queue": len(shown),
            "audited_elements": audited,
            "hooked_calls": len(hooked),
            "dialogs": len(traps.dialogs),
            "foreign_requests": len(traps.foreign_requests),
        },
    )
    assert len(shown) == stored["stored"]
    assert hooked == []
    assert traps.dialogs == []
    assert traps.foreign_requests == []
    assert problems == []


def test_the_traps_catch_a_script_that_does_run(browser, loaded_server):
    """The traps catch a script that does run on the same page.

    The control: the same page and traps do report an injected handler, a dialog call and a canary request."""
    server, _ = loaded_server
    context = browser.new_context()
    traps = Traps(context, server.url)
    page = context.new_page()
    page.goto(f"{server.url}/demo/")
    page.locator(".commentsvc-comment").first.wait_for(timeout=30_000)

    page.evaluate("""() => {
      const body = document.querySelector('[data-commentsvc]').shadowRoot.querySelector('.commentsvc-body');
      body.insertAdjacentHTML('beforeend', '<img src="x-missing" onerror="alert(7)"><a href="javascript:alert(8)">x</a>');
      fetch('http://canary.invalid/hit').catch(() => {});
    }""")
    audit = page.evaluate(AUDIT, ".commentsvc-body")
    _settle(page)
    hooked = page.evaluate("window.__xssHits")
    context.close()

    assert "alert(7)" in hooked
    assert any(problem.startswith("attribute onerror") for problem in audit["problems"])
    assert any("javascript:" in problem for problem in audit["problems"])
    assert any("canary.invalid" in url for url in traps.foreign_requests)
