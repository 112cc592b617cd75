"""Every change to who may see what, made by an administrator in the admin, is in the
append-only audit trail with before and after (docs/audit.md)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Cover, Membership, Role, User
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db


#: The "created" date and time the admin's forms show filled in, as they post it back.
CREATED_AT = {"created_at_0": "2026-03-01", "created_at_1": "09:00:00"}


def errors(response) -> object:
    """What the admin form refused, to say why a save did not go through."""
    if response.context is None:
        return response.status_code
    found = [response.context["adminform"].form.errors]
    for formset in response.context.get("inline_admin_formsets", []):
        found += [formset.formset.errors, formset.formset.non_form_errors()]
    return found


@pytest.fixture
def events(cast):
    """Events of one kind written since the test began (the cast's accounts were made, and
    audited as made by the service, before it)."""
    start = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def written(action: str) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(action=action, pk__gt=start).order_by("pk"))

    return written


def inline(rows: list[dict], initial: int = 0) -> dict:
    """The admin's membership rows, as the change form posts them."""
    data = {
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(initial),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        row = {**CREATED_AT, **row}
        data.update({f"memberships-{n}-{k}": v for k, v in row.items()})
    return data


def test_an_administrator_making_an_account_with_a_role_is_audited(cast, client_for, events):
    admin = client_for(cast.admin)
    team = cast.hackney.team
    response = admin.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new.coach@hackney.test",
            "full_name": "New Coach",
            "password1": "a-long-Unusual-passphrase-9",
            "password2": "a-long-Unusual-passphrase-9",
            "usable_password": "true",
            **inline([{"role": Role.COACH, "team": team.pk, "authority": ""}]),
        },
    )
    assert response.status_code == 302, errors(response)
    user = User.objects.get(email="new.coach@hackney.test")
    (made,) = events("account.create")
    assert made.actor_id == cast.admin.pk and made.object_id == user.pk
    assert made.detail["after"]["is_active"] is True
    (role,) = events("membership.add")
    assert role.actor_id == cast.admin.pk and role.authority_id == cast.hackney.authority.pk
    assert role.detail["after"] == {
        "user_id": user.pk,
        "role": "coach",
        "team_id": team.pk,
        "authority_id": None,
    }
    assert role.ip_address == "127.0.0.1"


def change_user(admin, user: User, *, is_active: bool, rows: list[dict], initial: int):
    data = {
        "email": user.email,
        "full_name": user.full_name,
        **({"is_active": "on"} if is_active else {}),
        **({"is_staff": "on"} if user.is_staff else {}),
        **inline(rows, initial),
    }
    return admin.post(reverse("admin:accounts_user_change", args=[user.pk]), data)


def test_switching_an_account_off_and_moving_its_role_is_audited(cast, client_for, events):
    admin = client_for(cast.admin)
    coach = cast.hackney.coach
    membership = coach.memberships.get()
    response = change_user(
        admin,
        coach,
        is_active=False,
        rows=[
            # The coach role is taken away, and a supervisor role given in its place.
            {
                "id": membership.pk,
                "user": coach.pk,
                "role": Role.COACH,
                "team": cast.hackney.team.pk,
                "authority": "",
                "DELETE": "on",
            },
            {"user": coach.pk, "role": Role.SUPERVISOR, "team": cast.hackney.team.pk},
        ],
        initial=1,
    )
    assert response.status_code == 302, errors(response)
    (switched,) = events("account.update")
    assert switched.actor_id == cast.admin.pk and switched.object_id == coach.pk
    assert switched.detail["before"]["is_active"] is True
    assert switched.detail["after"]["is_active"] is False
    assert switched.detail["changes"] == ["is_active"]
    (removed,) = events("membership.remove")
    assert removed.actor_id == cast.admin.pk and removed.object_id == membership.pk
    assert removed.detail["before"]["role"] == "coach"
    (given,) = events("membership.add")
    assert given.detail["after"]["role"] == "supervisor"


def test_changing_a_role_in_place_keeps_before_and_after(cast, client_for, events):
    admin = client_for(cast.admin)
    coach = cast.hackney.coach
    membership = coach.memberships.get()
    row = {"id": membership.pk, "user": coach.pk, "role": Role.COACH, "authority": ""}
    response = change_user(
        admin, coach, is_active=True, rows=[{**row, "team": cast.southwark.team.pk}], initial=1
    )
    assert response.status_code == 302, errors(response)
    (moved,) = events("membership.update")
    assert moved.detail["before"]["team_id"] == cast.hackney.team.pk
    assert moved.detail["after"]["team_id"] == cast.southwark.team.pk
    assert moved.detail["changes"] == ["team_id"]
    # Saving the account again with nothing changed adds nothing.
    before = AuditEvent.objects.count()
    change_user(
        admin, coach, is_active=True, rows=[{**row, "team": cast.southwark.team.pk}], initial=1
    )
    assert AuditEvent.objects.exclude(action__startswith="admin").count() == before


def test_arranging_changing_and_ending_cover_is_audited(cast, client_for, events):
    admin = client_for(cast.admin)
    place = cast.hackney
    data = {
        "team": place.team.pk,
        "absent_coach": place.coach.pk,
        "covering_coach": place.coach2.pk,
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-13",
        **CREATED_AT,
    }
    response = admin.post(reverse("admin:accounts_cover_add"), data)
    assert response.status_code == 302, errors(response)
    cover = Cover.objects.get()
    (arranged,) = events("cover.add")
    assert arranged.actor_id == cast.admin.pk and arranged.authority_id == place.authority.pk
    assert arranged.detail["after"]["covering_coach_id"] == place.coach2.pk
    longer = {**data, "ends_on": "2026-03-27"}
    change = reverse("admin:accounts_cover_change", args=[cover.pk])
    assert admin.post(change, longer).status_code == 302
    (extended,) = events("cover.update")
    assert extended.detail["before"]["ends_on"] == "2026-03-13"
    assert extended.detail["after"]["ends_on"] == "2026-03-27"
    delete = reverse("admin:accounts_cover_delete", args=[cover.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 302
    (ended,) = events("cover.remove")
    assert ended.actor_id == cast.admin.pk
    assert ended.detail["before"]["ends_on"] == date(2026, 3, 27).isoformat()


def test_deleting_accounts_in_bulk_audits_each_account_and_role(cast, client_for, events):
    admin = client_for(cast.admin)
    doomed = [cast.southwark.coach, cast.southwark.coach2]
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [u.pk for u in doomed], "post": "yes"},
    )
    assert response.status_code == 302
    assert {e.object_id for e in events("account.delete")} == {u.pk for u in doomed}
    removed = events("membership.remove")
    assert len(removed) == 2 and all(e.actor_id == cast.admin.pk for e in removed)
    assert not Membership.objects.filter(user__in=doomed).exists()


def test_the_access_trail_cannot_be_changed(cast):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    event = AuditEvent.objects.filter(action="account.create", object_id=cast.admin.pk).first()
    assert event is not None and event.actor_id is None  # made by the service, not a person
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE yourchoice_auditevent SET detail = '{}' WHERE id = %s", [event.pk])
