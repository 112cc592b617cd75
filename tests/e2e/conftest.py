"""Browser tests: Debian's Chromium driven by Playwright, with an axe check on every page."""

from __future__ import annotations

import re
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started

AXE = Path(__file__).resolve().parents[2] / "build" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(autouse=True)
def _reference_data(reference_data):
    """Browser tests commit for real, so every table is flushed after each one."""


class _Requests:
    """The live server's requests in progress, counted by Django's own request signals."""

    def __init__(self) -> None:
        self.running = 0
        self.begun = 0  # every request started, to tell whether one started since
        self.changed = threading.Condition()

    def started(self, **kwargs) -> None:
        with self.changed:
            self.running += 1
            self.begun += 1

    def finished(self, **kwargs) -> None:
        with self.changed:
            self.running = max(0, self.running - 1)
            self.changed.notify_all()

    def wait_until_quiet(self, seconds: float, quiet: float = 0.05) -> bool:
        """None running, and none started for `quiet` seconds: a request the browser sent as
        its page closed may be accepted but not yet started."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.changed:
                idle = self.changed.wait_for(
                    lambda: self.running == 0, timeout=deadline - time.monotonic()
                )
                begun = self.begun
            if not idle:
                return False
            time.sleep(quiet)
            with self.changed:
                if self.running == 0 and self.begun == begun:
                    return True
        return False


_REQUESTS = _Requests()
request_started.connect(_REQUESTS.started, dispatch_uid="e2e-requests-started")
request_finished.connect(_REQUESTS.finished, dispatch_uid="e2e-requests-finished")


@pytest.fixture(autouse=True)
def _server_idle_before_flush(transactional_db):
    """Set up after the database and torn down before it, so after the test's browser context
    is closed: a request the page left behind (the service worker keeping a caseload on the
    phone) finishes before the tables are flushed, and none is about to start, rather than
    racing the flush for its locks and leaving the next test with this one's rows."""
    yield
    assert _REQUESTS.wait_until_quiet(30), "the live server was still answering after 30 s"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe is injected as an inline script, which our Content-Security-Policy rightly forbids.
    return {**browser_context_args, "bypass_csp": True}


def assert_accessible(page) -> None:
    """Run axe-core against the page as it is now; fail with each WCAG 2.2 AA violation."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v =>
                `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`);
        }""",
        WCAG_TAGS,
    )
    assert violations == [], f"Accessibility problems on {page.url}:\n" + "\n".join(violations)
    # WCAG 2.2 reflow (1.4.10): nothing makes the page scroll sideways; a wide table scrolls
    # inside its own box.
    wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wider <= 0, f"{page.url} scrolls sideways by {wider}px at this width"


#: GOV.UK's desktop breakpoint: lists of cases are cards below it and tables from it.
DESKTOP_WIDTH = 769


def case_entry(page, testid: str, name: str):
    """The case named `name` in the list `testid`, as the page shows it at its width: a table
    row from desktop width, a card below it (`<testid>-cards`)."""
    if page.viewport_size["width"] >= DESKTOP_WIDTH:
        return page.get_by_test_id(testid).get_by_role("row", name=name)
    cards = page.get_by_test_id(f"{testid}-cards").locator(":scope > li")
    return cards.filter(has=page.get_by_role("heading", name=name))


def sign_in(page, live_server, user) -> None:
    """Both sign-in steps, as a person does them, for a user whose app is already set up."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import PASSWORD

    device = TOTPDevice.objects.filter(
        user=user, confirmed=True
    ).first() or TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.get_by_label("Code from your authenticator app").fill(f"{code:06d}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def choose_score(page, question: str, score: int) -> None:
    """Tap a score on a 0 to 10 scale, found by its question."""
    page.get_by_role("group", name=question).get_by_label(re.compile(rf"^{score}\b")).check()


def fill_date(page, question: str, day: date, index: int = 0) -> None:
    """Type a date into GOV.UK day, month and year boxes, found by the date's question (the
    `index`-th such question on a page that repeats it)."""
    group = page.get_by_role("group", name=question).nth(index)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def open_when_and_where(page) -> None:
    """Unfold the session form's "when and where" line (date, time, length, place)."""
    details = page.locator("#when-and-where")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def csp_page(browser):
    context = browser.new_context(bypass_csp=False)
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and page.csp_errors.append(message.text)
        ),
    )
    yield page
    context.close()


def accessible_at_both_widths(page) -> None:
    """axe (0 violations, serious and critical included) at a phone's width and a desktop's."""
    source = AXE.read_text()
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.evaluate(source)  # DevTools evaluation: not an inline script, so the CSP holds
        violations = page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return result.violations.map(v => `${v.id} (${v.impact}): ${v.help}`);
            }""",
            WCAG_TAGS,
        )
        assert violations == [], f"{page.url} at {size['width']}px:\n" + "\n".join(violations)
        wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wider <= 0, f"{page.url} scrolls sideways by {wider}px at {size['width']}px"
    page.set_viewport_size(PHONE)
