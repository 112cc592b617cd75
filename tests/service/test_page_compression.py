"""Pages travel gzipped to a browser that accepts it (PageCompressionMiddleware,
docs/performance.md); downloads are streamed as they are."""

from __future__ import annotations

import gzip

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from tests.conftest import allocated_case, signed_in_client
from yourchoice.web.middleware import PageCompressionMiddleware


@pytest.mark.django_db
def test_the_caseload_arrives_gzipped_to_a_browser_that_accepts_it(cast):
    for _ in range(10):
        allocated_case(cast.hackney)
    client = signed_in_client(cast.hackney.coach)
    plain = client.get("/")
    packed = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.content) < len(plain.content) / 4
    page = gzip.decompress(packed.content).decode()
    assert page.count("Testperson") == plain.content.decode().count("Testperson") > 0


def test_a_streamed_download_is_sent_as_it_is():
    def download(request):
        return StreamingHttpResponse(iter([b"reference,sessions\n" * 500]))

    request = RequestFactory().get("/reports/1/csv/", HTTP_ACCEPT_ENCODING="gzip")
    response = PageCompressionMiddleware(download)(request)
    assert isinstance(response, StreamingHttpResponse)
    assert not response.has_header("Content-Encoding")
    # A page from the same middleware is compressed, so the download's answer is its choice.
    page = PageCompressionMiddleware(lambda r: HttpResponse(b"<p>x</p>" * 500))(request)
    assert isinstance(page, HttpResponse)
    assert page["Content-Encoding"] == "gzip"
