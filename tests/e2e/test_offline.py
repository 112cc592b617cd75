"""Working without signal (S6, docs/offline.md), in Chromium at 390 px: the caseload and a
case's form from the service worker, the phone's outbox sending exactly once, a change meanwhile
asked about, and nothing left behind at sign-out."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from sessions.models import SessionLog
from tests.conftest import allocated_case, logged_session
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

#: Whether the service worker has kept the pages it keeps (it notes when it finished).
KEPT = """async () => {
    if (!(await indexedDB.databases()).some(d => d.name === 'yourchoice-offline')) return false;
    const db = await new Promise((ok, fail) => {
        const r = indexedDB.open('yourchoice-offline'); r.onsuccess = () => ok(r.result); r.onerror = fail;
    });
    const done = db.objectStoreNames.contains('meta') && await new Promise(ok => {
        const r = db.transaction('meta').objectStore('meta').get('refreshed-at'); r.onsuccess = () => ok(r.result);
    });
    db.close();
    return Boolean(done);
}"""

LEFT_BEHIND = """async () => ({
    databases: (await indexedDB.databases()).map(d => d.name),
    caches: await caches.keys(),
})"""


def _until(check, what: str, seconds: float = 15) -> None:
    # wait_for_function would take an async check's promise for a true answer: poll instead.
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.2)


def _ready_offline(page, live_server, coach, episode):
    """Signed in at 390 px, the caseload open, and the phone holding the case's form."""
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, coach)
    page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15000
    )
    form = f"/young-people/{episode.young_person_id}/sessions/new/"
    _until(lambda: page.evaluate(KEPT), "the phone to keep its copies")
    return form


def _log_offline(page, context, name):
    context.set_offline(True)
    page.locator("main a", has_text=re.compile(rf"Log a session\s+with {name}")).click()
    page.wait_for_url("**/sessions/new/")
    expect(page.get_by_text("No signal: this is the copy kept on this phone")).to_be_visible()
    page.get_by_label("Notes").fill("Met in the park.")
    key = page.locator('input[name="idempotency_key"]').input_value()
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(re.compile(r".*/young-people/\d+/$"))
    expect(page.get_by_test_id("phone-waiting")).to_have_text(
        "Saved on this phone: 1 session waiting to send"
    )
    return key


def _case(cast):
    """A case with a session last week, whose place and length the form suggests."""
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    logged_session(episode, coach=cast.hackney.coach, days_ago=7, place="community")
    return episode


def test_a_session_logged_with_no_signal_waits_on_the_phone_and_is_stored_once(
    cast, live_server, page, context
):
    coach = cast.hackney.coach
    episode = _case(cast)
    _ready_offline(page, live_server, coach, episode)
    key = _log_offline(page, context, "Riley Example")
    assert_accessible(page)
    page.reload()  # still offline: the copy again, and the session still waiting
    expect(page.get_by_test_id("phone-waiting")).to_be_visible()
    assert not SessionLog.objects.filter(idempotency_key=key).exists()
    context.set_offline(False)
    expect(page.get_by_test_id("phone-sent")).to_contain_text(
        "Session with Riley Example", timeout=15000
    )
    assert SessionLog.objects.filter(idempotency_key=key).count() == 1
    page.goto(f"{live_server.url}/offline/waiting/")
    expect(page.get_by_test_id("phone-item-state")).to_have_text(re.compile(r"Sent at \d\d:\d\d"))
    assert_accessible(page)
