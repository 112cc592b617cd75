"""Fetching one record for a person or answering 404 is written once
(yourchoice/data/selectors.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.http import Http404

from cases.models import Episode
from tests.conftest import allocated_case, project_apps
from yourchoice.data.selectors import get_or_404

ROOT = Path(__file__).resolve().parents[2]
# The pattern get_or_404 replaces: take the first match, and 404 when there is none.
HAND_ROLLED = re.compile(r"\.first\(\)\s*\)?\s*\n\s*if (\w+) is None:\s*\n\s*raise Http404\b")


def test_no_module_fetches_or_404s_by_hand():
    found = [
        str(path.relative_to(ROOT))
        for app in project_apps()
        for path in Path(app.path).rglob("*.py")
        if "migrations" not in path.parts
        and path.relative_to(ROOT) != Path("yourchoice/data/selectors.py")
        and HAND_ROLLED.search(path.read_text())
    ]
    assert found == [], f"Use yourchoice.data.selectors.get_or_404 in {found}"


@pytest.mark.django_db
def test_a_record_out_of_reach_is_404_like_one_that_does_not_exist(cast):
    episode = allocated_case(cast.hackney)
    mine = Episode.objects.visible_to(cast.hackney.coach)
    assert get_or_404(mine, pk=episode.pk) == episode
    with pytest.raises(Http404):
        get_or_404(Episode.objects.visible_to(cast.southwark.coach), pk=episode.pk)
    with pytest.raises(Http404):
        get_or_404(mine, pk=episode.pk + 1000)
