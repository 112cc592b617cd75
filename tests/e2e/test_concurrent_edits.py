"""Two people, two real browser sessions, one record (docs/architecture.md).

The coach and her supervisor both open the young person's details; the supervisor saves first.
The coach's save is refused: she is shown what the supervisor changed, keeps what she typed,
and saves again knowingly. The same for a key contact between the coach and the borough lead,
a flag review and a supervision record open on two devices. Every page is checked with axe.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import KeyContact, RiskFlag, YoungPerson
from cases.profile import services as profile_services
from cases.services import flag_raise
from supervision import services as supervision_services
from supervision.models import SupervisionRecord
from tests.conftest import allocated_case
from tests.e2e.conftest import assert_accessible, fill_date, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_people(browser, browser_context_args):
    """Two separate browser sessions: separate cookies, separate sign-ins."""
    contexts = [browser.new_context(**browser_context_args) for _ in range(2)]
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def test_two_people_edit_the_same_details_and_the_second_is_shown_what_changed(
    cast, live_server, two_people
):
    coach_page, supervisor_page = two_people
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    case_url = f"{live_server.url}/young-people/{episode.young_person_id}/"
    sign_in(coach_page, live_server, cast.hackney.coach)
    sign_in(supervisor_page, live_server, cast.hackney.supervisor)

    # Both open the details page from the young person's page.
    for page in (coach_page, supervisor_page):
        page.goto(case_url)
        page.get_by_role("link", name="Change details").click()
        heading = page.get_by_role("heading", name="Change Riley Example\u2019s details")
        expect(heading).to_be_visible()
    assert_accessible(coach_page)

    # The supervisor saves first.
    supervisor_page.get_by_label("Name they like to be called").fill("Ri")
    supervisor_page.get_by_label("Looked-after status").select_option(label="Looked after")
    supervisor_page.get_by_role("button", name="Save details").click()
    expect(supervisor_page.get_by_text("Details saved.")).to_be_visible()

    # The coach, on the page she loaded before, changes the ethnicity and the looked-after status.
    coach_page.get_by_label("Ethnicity").select_option(label="White: Irish")
    coach_page.get_by_label("Looked-after status").select_option(label="Previously looked after")
    coach_page.get_by_role("button", name="Save details").click()

    summary = coach_page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(
        f"{cast.hackney.supervisor.full_name} saved changes after you opened this page"
    )
    expect(summary).to_contain_text("Name they like to be called: was blank, now \u2018Ri\u2019")
    expect(summary).to_contain_text(
        "Looked-after status: was \u2018Not known\u2019, now \u2018Looked after\u2019. "
        "You entered \u2018Previously looked after\u2019"
    )
    assert coach_page.title().startswith("Error:")
    # What she typed is kept; where she typed nothing the supervisor's value is shown.
    expect(coach_page.get_by_label("Ethnicity")).to_have_value("white_irish")
    expect(coach_page.get_by_label("Looked-after status")).to_have_value("previously")
    expect(coach_page.get_by_label("Name they like to be called")).to_have_value("Ri")
    young_person = YoungPerson.objects.get(pk=episode.young_person_id)
    assert (young_person.ethnicity, young_person.looked_after) == ("notknown_notknown", "yes")
    assert_accessible(coach_page)

    # Having seen the change, she keeps her own looked-after status and saves again.
    coach_page.get_by_role("button", name="Save details").click()
    expect(coach_page.get_by_text("Details saved.")).to_be_visible()
    young_person.refresh_from_db()
    assert (young_person.preferred_name, young_person.ethnicity, young_person.looked_after) == (
        "Ri",
        "white_irish",
        "previously",
    )
    assert young_person.version == 3


def test_key_contact_flag_and_supervision_pages_refuse_a_stale_save(cast, live_server, two_people):
    coach_page, lead_page = two_people
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    contact = profile_services.key_contact_add(
        actor=cast.hackney.coach,
        young_person=episode.young_person,
        name="Pat Example",
        relationship="mother",
        phone="020 7946 0000",
    )
    flag = flag_raise(
        actor=cast.hackney.coach,
        episode=episode,
        category="exploitation",
        level="medium",
        summary="Seen with older men.",
        review_on=timezone.localdate() + timedelta(days=14),
    )
    case_url = f"{live_server.url}/young-people/{episode.young_person_id}/"
    sign_in(coach_page, live_server, cast.hackney.coach)
    sign_in(lead_page, live_server, cast.hackney.lead)

    # A key contact: the lead changes the phone number while the coach changes the relationship.
    for page in (coach_page, lead_page):
        page.goto(case_url)
        page.get_by_role("link", name="Change Pat Example").click()
    assert_accessible(coach_page)
    lead_page.get_by_label("Phone number").fill("07700 900000")
    lead_page.get_by_role("button", name="Save contact").click()
    expect(lead_page.get_by_text("Key contact saved.")).to_be_visible()
    coach_page.get_by_label("Who they are to the young person").fill("step-mother")
    coach_page.get_by_role("button", name="Save contact").click()
    expect(coach_page.locator(".govuk-error-summary")).to_contain_text(
        "Phone number: was \u2018020 7946 0000\u2019, now \u201807700 900000\u2019"
    )
    expect(coach_page.get_by_label("Who they are to the young person")).to_have_value("step-mother")
    assert_accessible(coach_page)
    coach_page.get_by_role("button", name="Save contact").click()
    expect(coach_page.get_by_text("Key contact saved.")).to_be_visible()
    contact = KeyContact.objects.get(pk=contact.pk)
    assert (contact.relationship, contact.phone) == ("step-mother", "07700 900000")

    # Adding and removing a contact, with axe on each page.
    coach_page.get_by_role("link", name="Add a key contact").click()
    assert_accessible(coach_page)
    coach_page.get_by_label("Name", exact=True).fill("Sam Worker")
    coach_page.get_by_label("Who they are to the young person").fill("social worker")
    coach_page.get_by_role("button", name="Add contact").click()
    expect(coach_page.get_by_text("Key contact added.")).to_be_visible()
    coach_page.get_by_role("link", name="Remove Sam Worker").click()
    assert_accessible(coach_page)
    coach_page.get_by_role("button", name="Remove contact").click()
    expect(coach_page.get_by_text("Key contact removed.")).to_be_visible()
    assert not KeyContact.objects.filter(name="Sam Worker").exists()

    # A flag: both review it; the lead brings the review forward, the coach raises the level.
    for page in (coach_page, lead_page):
        page.goto(case_url)
        page.get_by_role("link", name="Review this flag").click()
    assert_accessible(coach_page)
    sooner = timezone.localdate() + timedelta(days=3)
    fill_date(lead_page, "Review by", sooner)
    lead_page.get_by_role("button", name="Save review").click()
    expect(lead_page.get_by_text("Flag reviewed.")).to_be_visible()
    coach_page.get_by_label("High").check()
    coach_page.get_by_role("button", name="Save review").click()
    expect(coach_page.locator(".govuk-error-summary")).to_contain_text(
        f"Review by: was \u2018{timezone.localdate() + timedelta(days=14):%-d %B %Y}\u2019, "
        f"now \u2018{sooner:%-d %B %Y}\u2019"
    )
    expect(coach_page.get_by_label("High")).to_be_checked()
    assert_accessible(coach_page)
    assert RiskFlag.objects.get(pk=flag.pk).level == "medium"


def sign_in_on_a_second_device(page, live_server, user) -> None:
    """The same person signing in again: an authenticator code is accepted once, so the second
    sign-in uses the next code the app shows (within the device's tolerance of one step)."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import PASSWORD

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + device.step
    page.get_by_label("Code from your authenticator app").fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_a_supervision_record_open_on_two_devices(cast, live_server, two_people):
    laptop, phone = two_people
    episode = allocated_case(cast.hackney)
    record = supervision_services.supervision_record(
        actor=cast.hackney.supervisor,
        team=cast.hackney.team,
        data=supervision_services.SupervisionInput(
            held_on=timezone.localdate(),
            format="individual",
            coaches={cast.hackney.coach.pk: "Coping."},
            discussions=[supervision_services.Discussion(episode=episode, notes="Going well.")],
            decisions="Keep going.",
        ),
    )
    sign_in(laptop, live_server, cast.hackney.supervisor)
    sign_in_on_a_second_device(phone, live_server, cast.hackney.supervisor)
    for page in (laptop, phone):
        page.goto(f"{live_server.url}/supervision/{record.pk}/")
        page.get_by_role("link", name="Change this record").click()
    assert_accessible(laptop)
    phone.get_by_label("Decisions").fill("Refer to CAMHS.")
    phone.get_by_role("button", name="Save supervision record").click()
    expect(phone.get_by_text("Supervision record saved.")).to_be_visible()
    laptop.get_by_label(f"Notes on {episode.young_person.reference}").fill("School worried.")
    laptop.get_by_role("button", name="Save supervision record").click()
    expect(laptop.locator(".govuk-error-summary")).to_contain_text(
        "Decisions: was \u2018Keep going.\u2019, now \u2018Refer to CAMHS.\u2019"
    )
    expect(laptop.get_by_label(f"Notes on {episode.young_person.reference}")).to_have_value(
        "School worried."
    )
    assert_accessible(laptop)
    laptop.get_by_role("button", name="Save supervision record").click()
    expect(laptop.get_by_text("Supervision record saved.")).to_be_visible()
    record = SupervisionRecord.objects.get(pk=record.pk)
    assert (record.decisions, record.version) == ("Refer to CAMHS.", 3)
