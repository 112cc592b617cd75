"""Property-based fuzzing of every API route from its own OpenAPI schema: never a 5xx.

Hypothesis draws path ids, query parameters and JSON bodies, guided by the schema's own types
and field names, and also plain nonsense; every answer must be below 500 and have the API's
error shape when it is an error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tokens import api_token_issue
from tests.conftest import allocated_case

pytestmark = pytest.mark.django_db

#: Examples per operation: a quick pass in the suite; API_FUZZ_EXAMPLES=400 for a long run.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))
SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
OPERATIONS = [
    (path, method, spec)
    for path, item in SCHEMA["paths"].items()
    for method, spec in item.items()
    if method in ("get", "post", "put", "patch", "delete")
]

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.sampled_from(
        [
            "2026-01-31",
            "2026-13-45",
            "2026-01-31T10:00:00Z",
            "attended",
            "high",
            "00000000-0000-0000-0000-000000000000",
            "<script>",
            "' OR 1=1 --",
        ]
    ),
)


def body_for(spec: dict) -> st.SearchStrategy:
    ref = (
        spec.get("requestBody", {})
        .get("content", {})
        .get("application/json", {})
        .get("schema", {})
        .get("$ref")
    )
    if not ref:
        return st.just({})
    fields = SCHEMA["components"]["schemas"][ref.split("/")[-1]].get("properties", {})
    return st.fixed_dictionaries({}, optional={name: junk for name in fields})


@pytest.mark.parametrize(
    ("path", "method", "spec"), OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS]
)
def test_no_route_answers_with_a_server_error(cast, path, method, spec):
    allocated_case(cast.hackney)
    _, key = api_token_issue(actor=cast.admin, user=cast.hackney.coach, name="fuzz")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    params = [p["name"] for p in spec.get("parameters", []) if p.get("in") == "query"]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        ident=st.one_of(st.integers(0, 2**31), st.integers(-5, 5)),
        query=st.fixed_dictionaries({}, optional={name: junk.map(str) for name in params}),
        body=body_for(spec),
    )
    def fuzz(ident, query, body):
        url = path.replace("{id}", str(ident)).replace("{format}", "json")
        if method == "get":
            response = client.get(url, query)
        else:
            response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code < 500, (method, url, query, body, response.content[:300])
        if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
            assert set(response.json()) == {"error"}

    fuzz()
