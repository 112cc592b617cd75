"""The demo data loads through the services and gives every role something real to see."""

from __future__ import annotations

import pytest

from accounts.models import Role
from cases.models import Episode
from sessions.models import SessionLog
from yourchoice import access, demo

pytestmark = pytest.mark.django_db


def test_demo_seed_gives_every_role_a_sign_in_and_real_data():
    people = demo.seed(seed=1)
    assert demo.already_seeded()
    roles = {role for person in people.values() for role in access.roles(person)}
    assert roles == set(Role.values)
    coach = people["coach"]
    assert Episode.objects.visible_to(coach).count() == 5
    assert SessionLog.objects.visible_to(coach).count() > 50
    assert not Episode.objects.visible_to(people["programme"]).exists()
