"""Working without signal (S6, docs/offline.md), in Chromium at 390 px: the caseload and a
case's form from the service worker, the phone's outbox sending exactly once, a change meanwhile
asked about, and nothing left behind at sign-out."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from cases import services as case_services
from sessions.models import SessionLog
from tests.conftest import allocated_case, logged_session
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

#: Opening what the phone keeps, from a test: the database, and a request's answer.
KEPT_DB = """
    const openKept = () => new Promise((ok, fail) => {
        const r = indexedDB.open('yourchoice-offline');
        r.onsuccess = () => ok(r.result);
        r.onerror = fail;
    });
    const answer = (request) => new Promise(ok => {
        request.onsuccess = () => ok(request.result);
    });
"""

#: Whether the service worker has kept the pages it keeps (it notes when it finished).
KEPT = f"""async () => {{
    {KEPT_DB}
    if (!(await indexedDB.databases()).some(d => d.name === 'yourchoice-offline')) return false;
    const db = await openKept();
    const done = db.objectStoreNames.contains('meta')
        && await answer(db.transaction('meta').objectStore('meta').get('refreshed-at'));
    db.close();
    return Boolean(done);
}}"""

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


def _items(page) -> list[dict]:
    return page.evaluate(
        f"""async () => {{
        {KEPT_DB}
        const db = await openKept();
        const all = await answer(db.transaction('outbox').objectStore('outbox').getAll());
        db.close();
        return all.map(i => ({{key: i.key, state: i.state, owner: i.owner}}));
    }}"""
    )


#: Puts an outbox item back as it was before it was sent, as if the phone never heard the
#: service's answer (a connection that dropped on the way back). `keep` copies it first.
AS_BEFORE = f"""async ([key, keep]) => {{
    {KEPT_DB}
    const db = await openKept();
    const tx = db.transaction(['outbox', 'meta'], 'readwrite');
    const get = (store, k) => answer(tx.objectStore(store).get(k));
    if (keep) tx.objectStore('meta').put(await get('outbox', key), 'copy-for-test');
    else tx.objectStore('outbox').put(
        {{...(await get('meta', 'copy-for-test')), state: 'waiting'}});
    await new Promise(ok => tx.oncomplete = ok);
    db.close();
}}"""


def test_the_same_session_sent_three_times_is_stored_once(cast, live_server, page, context):
    coach = cast.hackney.coach
    episode = _case(cast)
    _ready_offline(page, live_server, coach, episode)
    key = _log_offline(page, context, "Riley Example")
    page.evaluate(AS_BEFORE, [key, True])
    # A second tab on the same phone: both send when the signal returns, as does the service
    # worker's background sync.
    other = context.new_page()
    other.goto(f"{live_server.url}/offline/waiting/")
    context.set_offline(False)
    _until(lambda: [i["state"] for i in _items(page)] == ["sent"], "the session to be sent")
    for tab in (page, other):  # the answer lost twice more: sent again from each tab
        page.evaluate(AS_BEFORE, [key, False])
        tab.goto(f"{live_server.url}/offline/waiting/")
        _until(lambda: [i["state"] for i in _items(page)] == ["sent"], "the resend to be answered")
    assert SessionLog.objects.filter(idempotency_key=key).count() == 1
    assert SessionLog.objects.filter(episode=episode).count() == 2  # last week's and this one


def test_a_case_closed_while_the_session_waits_is_asked_about_and_nothing_is_stored(
    cast, live_server, page, context
):
    coach = cast.hackney.coach
    episode = _case(cast)
    _ready_offline(page, live_server, coach, episode)
    key = _log_offline(page, context, "Riley Example")
    # Meanwhile the coach's earlier request to close the case is approved.
    closure = case_services.closure_request(
        actor=coach, episode=episode, ending_reason="planned", summary="Goals met"
    )
    case_services.closure_decide(actor=cast.hackney.supervisor, closure=closure, approve=True)
    context.set_offline(False)
    expect(page.get_by_test_id("phone-needs-you")).to_have_text(
        "1 session needs you before it can be sent", timeout=15000
    )
    page.get_by_role("link", name="See what is saved on this phone").click()
    expect(page.get_by_test_id("phone-item-reason")).to_contain_text(
        "The case this session was written for has been closed"
    )
    assert_accessible(page)
    assert not SessionLog.objects.filter(idempotency_key=key).exists()
    page.get_by_role("button", name="Ask your supervisor").click()
    expect(page.get_by_role("button", name=re.compile("Asked your supervisor at"))).to_be_visible()
    # Still kept, still not stored: only the coach decides.
    assert [i["state"] for i in _items(page)] == ["needs-you"]
    page.get_by_role("button", name="Discard this session").click()
    expect(page.get_by_test_id("discard-confirm")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, discard it").click()
    expect(page.get_by_text("Nothing is waiting on this phone.")).to_be_visible()
    assert not SessionLog.objects.filter(idempotency_key=key).exists()


def test_sign_out_leaves_nothing_and_the_next_person_sees_none_of_it(
    cast, live_server, page, context
):
    first, second = cast.hackney.coach, cast.hackney.coach2
    episode = _case(cast)
    _ready_offline(page, live_server, first, episode)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    left = page.evaluate(LEFT_BEHIND)
    assert left == {"databases": [], "caches": []}
    sign_in(page, live_server, second)
    page.goto(f"{live_server.url}/offline/waiting/")
    expect(page.get_by_text("Nothing is waiting on this phone.")).to_be_visible()


def test_a_session_waiting_through_a_lapsed_sign_in_goes_only_with_the_same_person(
    cast, live_server, page, context
):
    from django.contrib.sessions.models import Session
    from django_otp.plugins.otp_totp.models import TOTPDevice

    first, second = cast.hackney.coach, cast.hackney.coach2
    episode = _case(cast)
    _ready_offline(page, live_server, first, episode)
    key = _log_offline(page, context, "Riley Example")
    Session.objects.all().delete()  # the sign-in lapsed while there was no signal
    context.set_offline(False)
    page.goto(f"{live_server.url}/offline/waiting/")  # sent to sign in
    page.wait_for_url("**/sign-in/**")
    # Someone else signs in on the same phone: they see nothing of it, and it is not sent.
    sign_in(page, live_server, second)
    page.goto(f"{live_server.url}/offline/waiting/")
    expect(page.get_by_text("Nothing is waiting on this phone.")).to_be_visible()
    expect(page.get_by_test_id("phone-waiting")).to_have_count(0)
    assert not SessionLog.objects.filter(idempotency_key=key).exists()
    # Signing out keeps it: it is still waiting for its owner.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    assert "yourchoice-offline" in page.evaluate(LEFT_BEHIND)["databases"]
    # Within the same 30 seconds the app's code would be the one already used (and refused).
    TOTPDevice.objects.filter(user=first).update(last_t=-1)
    sign_in(page, live_server, first)
    _until(
        lambda: SessionLog.objects.filter(idempotency_key=key).count() == 1,
        "the first coach's session to be sent after they signed in again",
    )


def test_signing_out_with_a_session_waiting_warns_and_keeps_it(cast, live_server, page, context):
    coach = cast.hackney.coach
    episode = _case(cast)
    _ready_offline(page, live_server, coach, episode)
    _log_offline(page, context, "Riley Example")
    page.get_by_role("button", name="Sign out").click()  # still no signal
    warning = page.get_by_test_id("sign-out-warning")
    expect(warning).to_contain_text("1 session has not been sent yet")
    assert_accessible(page)
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_have_count(0)
    context.set_offline(False)
    expect(page.get_by_test_id("phone-sent")).to_be_visible(timeout=15000)
    # Once it is sent, signing out leaves nothing behind.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    assert page.evaluate(LEFT_BEHIND) == {"databases": [], "caches": []}
