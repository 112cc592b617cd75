"""Finding a young person (docs/programme.md C9, docs/search.md): by name however it is spelt,
by reference or any part of it, by date of birth; only among the records in reach."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, Team
from cases.models import YoungPerson
from cases.search.terms import Term, TermProblem, read_term
from cases.search.views import SESSION_KEY
from tests.conftest import allocated_case, make_user, signed_in_client
from yourchoice.audit.actions import READ_ACTIONS
from yourchoice.models import AuditEvent

# --- Reading what was typed (no database) ---------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["14/03/2012", "14 3 2012", "2012-03-14", "14-03-2012", "14.3.2012"]
)
def test_a_date_of_birth_is_read_however_it_is_written(typed):
    assert read_term(typed) == Term(dates_of_birth=(date(2012, 3, 14),))


def test_a_name_and_a_date_are_both_read():
    assert read_term("  Aisha  Khan 14/03/2012 ") == Term(
        dates_of_birth=(date(2012, 3, 14),), name_words=("Aisha", "Khan")
    )


@pytest.mark.parametrize(
    ("typed", "part"),
    [
        ("000123", "000123"),
        ("e09000012-0001", "E09000012-0001"),
        ("YC-E09000012-000123", "YC-E09000012-000123"),
    ],
)
def test_anything_with_a_digit_is_part_of_a_reference(typed, part):
    assert read_term(typed) == Term(reference_parts=(part,))


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "Enter a name, reference or date of birth"),
        ("   ", "Enter a name, reference or date of birth"),
        ("31/02/2012", "Date of birth must be a real date"),
        ("12", "Enter at least 3 characters of a reference"),
        ("E09/000", "only letters, numbers and hyphens"),
        ("x" * 101, "100 characters or fewer"),
    ],
)
def test_a_term_that_cannot_be_searched_for_says_why(typed, problem):
    with pytest.raises(TermProblem, match=problem):
        read_term(typed)


# --- Searching ------------------------------------------------------------------------------


def search(client, typed: str):
    """Type into the header box and press Search, as a person does: the results page."""
    posted = client.post(reverse("cases:search"), {"q": typed})
    assert posted.status_code == 302, posted.content.decode()[:500]
    assert posted["Location"] == reverse("cases:search")  # nothing typed is in the address
    return client.get(posted["Location"])


def young_person(place, given: str, family: str, *, coach=None, preferred: str = "", born=None):
    episode = allocated_case(place, coach=coach, given=given, family=family)
    changes = {"preferred_name": preferred} if preferred else {}
    if born:
        changes["date_of_birth"] = born
    if changes:
        YoungPerson.objects.filter(pk=episode.young_person_id).update(**changes)
    return YoungPerson.objects.get(pk=episode.young_person_id)


def found(response) -> list[str]:
    """The references of the young people on the results page, in order."""
    assert response.status_code == 200
    rows = response.context["results"].rows if response.context["results"] else []
    return [row.young_person.reference for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("recorded", "typed"),
    [
        ("Muhammad", "Mohammed"),
        ("Mohammed", "Muhammad"),
        ("Mohamed", "Mohammed"),
        ("Ayesha", "Aisha"),
        ("Aisha", "Ayesha"),
        ("Zoë", "Zoe"),
        ("Zoë", "zoe"),
        ("Zoe", "Zoë"),
        ("Jonathan", "Jonathon"),
        ("Catherine", "Kathryn"),
        ("Mohammed", "moh"),  # still typing
    ],
)
def test_a_first_name_is_found_however_it_is_spelt(cast, recorded, typed):
    wanted = young_person(cast.hackney, recorded, "Rahman")
    young_person(cast.hackney, "Oliver", "Brown")
    assert found(search(signed_in_client(cast.hackney.coach), typed)) == [wanted.reference]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("recorded", "typed"),
    [("Smith", "Smiht"), ("Smith", "smyth"), ("O'Brien", "obrien"), ("Nwachukwu", "Nwachukw")],
)
def test_a_family_name_is_found_with_a_typo(cast, recorded, typed):
    wanted = young_person(cast.hackney, "Sam", recorded)
    young_person(cast.hackney, "Sam", "Taylor")
    assert found(search(signed_in_client(cast.hackney.coach), typed)) == [wanted.reference]


@pytest.mark.django_db
def test_the_preferred_name_is_found_and_shown(cast):
    wanted = young_person(cast.hackney, "Mohammed", "Rahman", preferred="Mo")
    response = search(signed_in_client(cast.hackney.coach), "Mo Rahman")
    assert found(response) == [wanted.reference]
    assert "(known as Mo)" in response.content.decode()


@pytest.mark.django_db
def test_every_word_typed_must_match_and_the_closest_comes_first(cast):
    khan = young_person(cast.hackney, "Aisha", "Khan")
    ayesha_khan = young_person(cast.hackney, "Ayesha", "Khan")
    young_person(cast.hackney, "Aisha", "Begum")
    young_person(cast.hackney, "Oliver", "Khan")
    assert found(search(signed_in_client(cast.hackney.coach), "Aisha Khan")) == [
        khan.reference,
        ayesha_khan.reference,
    ]


@pytest.mark.django_db
def test_a_name_that_is_not_there_finds_nobody(cast):
    young_person(cast.hackney, "Aisha", "Khan")
    response = search(signed_in_client(cast.hackney.coach), "Oliver")
    assert found(response) == []
    assert "0 results" in response.content.decode()


@pytest.mark.django_db
def test_a_reference_is_found_by_any_part_of_it(cast):
    wanted = young_person(cast.hackney, "Sam", "Taylor")
    other = young_person(cast.hackney, "Sam", "Jones")
    client = signed_in_client(cast.hackney.coach)
    reference = wanted.reference  # YC-E09000012-000123
    serial = reference.rsplit("-", 1)[1]
    assert serial != other.reference.rsplit("-", 1)[1]
    assert found(search(client, serial)) == [wanted.reference]
    assert found(search(client, reference.lower())) == [wanted.reference]
    assert found(search(client, reference[3:])) == [wanted.reference]  # E09000012-000123
    assert sorted(found(search(client, "E09000012"))) == sorted([wanted.reference, other.reference])


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["14/03/2012", "14 3 2012", "2012-03-14"])
def test_a_date_of_birth_is_found_however_it_is_typed(cast, typed):
    wanted = young_person(cast.hackney, "Sam", "Taylor", born=date(2012, 3, 14))
    young_person(cast.hackney, "Sam", "Jones", born=date(2012, 3, 15))
    young_person(cast.hackney, "Sam", "Evans", born=date(2011, 3, 14))
    assert found(search(signed_in_client(cast.hackney.coach), typed)) == [wanted.reference]


@pytest.mark.django_db
def test_a_name_with_a_date_of_birth_tells_two_namesakes_apart(cast):
    wanted = young_person(cast.hackney, "Aisha", "Khan", born=date(2012, 3, 14))
    young_person(cast.hackney, "Aisha", "Khan", born=date(2010, 7, 1))
    assert found(search(signed_in_client(cast.hackney.coach), "Ayesha Khan 14/3/2012")) == [
        wanted.reference
    ]


@pytest.mark.django_db
def test_results_tell_two_namesakes_apart_without_opening_either(cast):
    first = young_person(cast.hackney, "Aisha", "Khan", born=date(2012, 3, 14))
    second = young_person(
        cast.hackney, "Aisha", "Khan", coach=cast.hackney.coach, born=date(2010, 7, 1)
    )
    response = search(signed_in_client(cast.hackney.lead), "Aisha Khan")
    body = response.content.decode()
    for person in (first, second):
        assert person.reference in body
        assert reverse("cases:young-person", args=[person.pk]) in body
    assert "14 March 2012" in body and "1 July 2010" in body
    assert "(age " in body
    assert "Allocated" in body and cast.hackney.coach.full_name in body
    assert "2 results" in body


@pytest.mark.django_db
def test_an_anonymised_record_is_not_found_by_its_old_name(cast):
    gone = young_person(cast.hackney, "Aisha", "Khan", born=date(2012, 3, 14))
    # As retention's anonymising leaves it (casework/retention/services.py).
    YoungPerson.objects.filter(pk=gone.pk).update(
        given_name="Anonymised",
        family_name="young person",
        date_of_birth=date(2012, 3, 1),
        anonymised_at=timezone.now(),
    )
    client = signed_in_client(cast.hackney.lead)
    assert found(search(client, "Aisha Khan")) == []
    assert found(search(client, "anonymised")) == []
    assert found(search(client, "01/03/2012")) == []
    assert found(search(client, gone.reference)) == [gone.reference]


# --- Who finds whom ------------------------------------------------------------------------


@pytest.fixture
def namesakes(cast):
    """Four young people called Aisha Khan: the Hackney coach's, her colleague's in the same
    team, one in another Hackney team, and one in Southwark."""
    team2 = Team.objects.create(authority=cast.hackney.authority, name="Hackney second team")
    coach3 = make_user("coach@team2.hackney.test", "Team Two Coach", Role.COACH, team=team2)
    mine = young_person(cast.hackney, "Aisha", "Khan")
    colleague = young_person(cast.hackney, "Aisha", "Khan", coach=cast.hackney.coach2)
    episode = allocated_case(cast.hackney, given="Aisha", family="Khan")
    from cases import services as case_services

    other_team = case_services.episode_allocate(
        actor=cast.hackney.lead, episode=episode, coach=coach3, team=team2
    ).young_person
    southwark = young_person(cast.southwark, "Aisha", "Khan")
    return {"mine": mine, "colleague": colleague, "other_team": other_team, "southwark": southwark}


@pytest.mark.django_db
def test_a_coach_finds_her_own_young_person_and_nobody_elses_not_even_as_a_count(cast, namesakes):
    response = search(signed_in_client(cast.hackney.coach), "Aisha Khan")
    body = response.content.decode()
    assert found(response) == [namesakes["mine"].reference]
    assert "1 result" in body and "results" not in body.split("1 result")[1][:2]
    for other in ("colleague", "other_team", "southwark"):
        assert namesakes[other].reference not in body
        assert reverse("cases:young-person", args=[namesakes[other].pk]) not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("hackney.coach", {"mine"}),
        ("hackney.coach2", {"colleague"}),
        ("hackney.supervisor", {"mine", "colleague"}),
        ("hackney.lead", {"mine", "colleague", "other_team"}),
        ("southwark.coach", {"southwark"}),
        ("southwark.lead", {"southwark"}),
    ],
)
def test_each_person_finds_exactly_the_records_they_hold(cast, namesakes, who, sees):
    for typed in ("Aisha Khan", "Ayesha"):
        shown = set(found(search(signed_in_client(cast.by_name(who)), typed)))
        assert shown == {namesakes[name].reference for name in sees}, (who, typed)
    # By reference too: another's full reference finds nothing.
    for name, person in namesakes.items():
        result = found(search(signed_in_client(cast.by_name(who)), person.reference))
        assert result == ([person.reference] if name in sees else []), (who, name)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["programme_lead", "evaluator", "admin"])
def test_people_who_see_no_named_record_have_no_search(cast, who):
    client = signed_in_client(cast.by_name(who))
    assert client.get(reverse("cases:search")).status_code == 403
    assert client.post(reverse("cases:search"), {"q": "Aisha"}).status_code == 403
    home = client.get(reverse("home"), follow=True).content.decode()
    assert 'data-testid="header-search"' not in home


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["hackney.coach", "hackney.supervisor", "hackney.lead"])
def test_the_search_box_is_in_the_header_of_every_page_for_those_who_see_records(cast, who):
    episode = allocated_case(cast.hackney)
    client = signed_in_client(cast.by_name(who))
    for url in (reverse("home"), reverse("cases:young-person", args=[episode.young_person_id])):
        body = client.get(url).content.decode()
        assert 'data-testid="header-search"' in body
        assert f'action="{reverse("cases:search")}"' in body


@pytest.mark.django_db
def test_a_term_that_cannot_be_searched_for_is_kept_with_the_reason(cast):
    client = signed_in_client(cast.hackney.coach)
    response = client.post(reverse("cases:search"), {"q": "31/02/2012"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "Date of birth must be a real date" in body
    assert 'value="31/02/2012"' in body
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_more_results_than_are_shown_says_so(cast, monkeypatch):
    from cases.search import selectors

    monkeypatch.setattr(selectors, "RESULT_LIMIT", 2)
    for _ in range(3):
        young_person(cast.hackney, "Aisha", "Khan")
    response = search(signed_in_client(cast.hackney.coach), "Aisha")
    assert len(found(response)) == 2
    assert "More than 2 results" in response.content.decode()


# --- What is kept of the search -----------------------------------------------------------


@pytest.mark.django_db
def test_the_term_is_in_no_address_title_log_or_audit_event(cast, caplog):
    wanted = young_person(cast.hackney, "Zebedee", "Quartermaine")
    client = signed_in_client(cast.hackney.coach)
    before = AuditEvent.objects.count()
    with caplog.at_level(logging.DEBUG):
        response = search(client, "Zebedee Quartermaine")
    assert found(response) == [wanted.reference]
    assert "Zebedee" not in response.content.decode().split("<title>")[1].split("</title>")[0]
    assert "Zebedee" not in caplog.text and "Quartermaine" not in caplog.text
    # The results are a list to choose from, as a caseload is: no read of the record, and no
    # event holding the term.
    assert AuditEvent.objects.count() == before
    # Opening a result is a read of the record.
    assert client.get(reverse("cases:young-person", args=[wanted.pk])).status_code == 200
    assert AuditEvent.objects.filter(
        young_person_id=wanted.pk, action__in=READ_ACTIONS, actor_id=cast.hackney.coach.pk
    ).exists()
    assert not any("Zebedee" in str(e.detail) for e in AuditEvent.objects.all())


@pytest.mark.django_db
def test_signing_out_forgets_the_search(cast):
    young_person(cast.hackney, "Zebedee", "Quartermaine")
    client = signed_in_client(cast.hackney.coach)
    search(client, "Zebedee")
    client.post(reverse("accounts:sign-out"))
    assert SESSION_KEY not in client.session
