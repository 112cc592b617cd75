"""Pages and API lists: queries per request and median server time against the baseline page.

Requests go through Django's full stack in this process (middleware, sign-in, templates), so
the time is the server's, without network or browser. Pages are measured in interleaved rounds
(every page once per round), so a burst of noise on a shared machine lands on all of them.
"""

from __future__ import annotations

import re
import time

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from accounts import access
from bench.common import answer, median_ms, person, signed_in
from cases.contexts.models import Context
from cases.models import Episode, YoungPerson
from devtools.demo_scale import ANCHOR_CONTEXT

ROUNDS = 15
WARM_UP = 2


def anchor_young_person() -> int:
    """The bench coach's case with the most sessions: 60 sessions and three goals."""
    episode = (
        Episode.objects.filter(coach=person("coach"))
        .annotate(n=Count("session_logs"))
        .order_by("-n")
        .first()
    )
    return episode.young_person_id


def anchor_context() -> int:
    """The context linked to every one of the bench coach's open cases (50), to 30 more of her
    team's and to 12 young people in other authorities (devtools/demo_scale.py)."""
    return Context.objects.get(name=ANCHOR_CONTEXT).pk


def search_terms() -> dict[str, tuple[str, str]]:
    """Searches, by label: who searches and what they type. The coach looks for one of her
    young people by name; the borough lead for the first name most common in their authority,
    so the page shows its most results (50)."""
    anchor = YoungPerson.objects.get(pk=anchor_young_person())
    held = YoungPerson.objects.filter(
        episodes__is_current=True,
        episodes__authority_id__in=access.led_authority_ids(person("lead")),
    )
    given = held.values("given_name").annotate(n=Count("pk")).order_by("-n", "given_name").first()
    return {
        "Search: a name (coach)": ("coach", f"{anchor.given_name} {anchor.family_name}"),
        "Search: a common first name (borough lead)": ("lead", given["given_name"]),
    }


def pages() -> list[tuple[str, str, str]]:
    yp = anchor_young_person()
    return [
        ("Baseline page", "coach", "/bench/baseline/"),
        ("Coach caseload (50 cases)", "coach", "/"),
        ("Young person (60 sessions, 3 goals)", "coach", f"/young-people/{yp}/"),
        ("Context (50 links seen, 42 counted)", "coach", f"/contexts/{anchor_context()}/"),
        ("Supervisor review (10 coaches, 150 cases)", "supervisor", "/supervision/review/"),
        ("Borough lead's authority list", "lead", "/"),
        ("Notifications (50 a page)", "coach", "/notifications/"),
        ("Programme lead's home (33 authorities)", "programme", "/"),
        ("Across London (latest reports)", "programme", "/reports/london/"),
        *((label, label, "/search/") for label in search_terms()),
        ("API: young people", "coach", "/api/v1/young-people/"),
        ("API: episodes", "lead", "/api/v1/episodes/"),
        ("API: session logs", "coach", "/api/v1/session-logs/"),
        ("API: goals", "coach", "/api/v1/goals/"),
        ("API: contexts", "coach", "/api/v1/contexts/"),
        ("API: supervision records", "supervisor", "/api/v1/supervision-records/"),
    ]


def main() -> None:
    clients = {key: signed_in(person(key)) for key in ("coach", "supervisor", "lead", "programme")}
    # Each search has a client of its own: the term is kept in the session (docs/search.md).
    for label, (who, term) in search_terms().items():
        clients[label] = signed_in(person(who))
        posted = clients[label].post("/search/", {"q": term})
        assert posted.status_code == 302, f"{label}: the search answered {posted.status_code}"
    measured = pages()
    queries: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for label, who, url in measured:
        with CaptureQueriesContext(connection) as captured:
            response = clients[who].get(url)
        assert response.status_code == 200, f"{label}: {url} answered {response.status_code}"
        queries[label] = len(captured)
        sizes[label] = len(response.content)
    times: dict[str, list[float]] = {label: [] for label, _, _ in measured}
    for round_number in range(WARM_UP + ROUNDS):
        for label, who, url in measured:
            started = time.perf_counter()
            clients[who].get(url)
            if round_number >= WARM_UP:
                times[label].append(time.perf_counter() - started)
    baseline = median_ms(times["Baseline page"])
    answer(
        {
            "baseline_ms": baseline,
            "pages": [
                {
                    "page": label,
                    "url": re.sub(r"/\d+/", "/<id>/", url),
                    "queries": queries[label],
                    "median_ms": median_ms(times[label]),
                    "ratio": round(median_ms(times[label]) / baseline, 2),
                    "bytes": sizes[label],
                }
                for label, _, url in measured
            ],
        }
    )


if __name__ == "__main__":
    main()
