"""Static files as production serves them (yourchoice/static_files.py, docs/performance.md):
collectstatic into a folder of its own with the production storage, then requests through the
service's middleware, as a phone makes them."""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings

from tests.conftest import allocated_case, signed_in_client

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "yourchoice.static_files.ProductionStaticFilesStorage"},
}
#: Our own files only (static/ and the GOV.UK build): the pages tested here use nothing else,
#: and the API documentation's bundles would take most of a minute to compress.
OUR_FILES_ONLY = ["django.contrib.staticfiles.finders.FileSystemFinder"]
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z]+$")
A_YEAR = "max-age=31536000, public, immutable"


def _collect(static_root: Path, sources: list[Path] | None = None) -> None:
    options = {"STATICFILES_DIRS": sources} if sources else {}
    with override_settings(STATIC_ROOT=static_root, **options):
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Iterator[Path]:
    """What collectstatic wrote, served by the service for the tests of this module."""
    static_root = tmp_path_factory.mktemp("static")
    with override_settings(
        STORAGES=PRODUCTION_STORAGE, STATICFILES_FINDERS=OUR_FILES_ONLY, STATIC_ROOT=static_root
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield static_root


def _hashed(static_root: Path, name: str) -> str:
    """The URL of the hashed copy of `name`, as a page names it."""
    url = static(name)
    assert HASHED.search(url), f"{name} is served as {url}, without a hash"
    assert (static_root / url.removeprefix("/static/")).exists()
    return url


def _get(url: str, accept: str) -> tuple[dict[str, str], bytes]:
    response = Client().get(url, HTTP_ACCEPT_ENCODING=accept)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return dict(response.headers), response.getvalue()


@pytest.mark.parametrize(
    ("accept", "encoding", "decompress"),
    [("gzip, deflate, br", "br", brotli.decompress), ("gzip, deflate", "gzip", gzip.decompress)],
)
def test_a_hashed_file_is_sent_compressed_and_kept_for_a_year(
    collected, accept, encoding, decompress
):
    url = _hashed(collected, "css/app.css")
    headers, body = _get(url, accept)
    assert headers["Content-Encoding"] == encoding
    assert headers["Cache-Control"] == A_YEAR
    assert "Accept-Encoding" in headers["Vary"]
    original = (collected / url.removeprefix("/static/")).read_bytes()
    assert len(body) < len(original) / 4
    assert decompress(body) == original


def test_a_browser_that_accepts_no_compression_gets_the_file_as_it_is(collected):
    url = _hashed(collected, "js/govuk-frontend.min.js")
    headers, body = _get(url, "")
    assert "Content-Encoding" not in headers
    assert headers["Cache-Control"] == A_YEAR
    assert body == (collected / url.removeprefix("/static/")).read_bytes()


def test_a_file_reached_by_its_plain_name_is_kept_only_a_minute(collected):
    # Its content can change under the same name at the next release.
    headers, _ = _get("/static/css/app.css", "br")
    assert headers["Cache-Control"] == "max-age=60, public"
    assert headers["Content-Encoding"] == "br"


def test_images_are_not_compressed_again(collected):
    url = _hashed(collected, "assets/images/govuk-icon-180.png")
    headers, _ = _get(url, "gzip, deflate, br")
    assert "Content-Encoding" not in headers
    assert headers["Cache-Control"] == A_YEAR


@pytest.mark.django_db
def test_pages_name_only_hashed_files_each_kept_for_a_year(collected):
    page = Client().get("/sign-in/").content.decode()
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert {"css", "js", "assets"} <= {url.split("/")[2] for url in urls}
    for url in urls:
        assert HASHED.search(url), f"the sign-in page names {url}, without a hash"
        headers, _ = _get(url, "gzip, deflate, br")
        assert headers["Cache-Control"] == A_YEAR, url


def test_a_module_imports_the_hashed_name_of_another(collected):
    url = _hashed(collected, "js/app.mjs")
    _, body = _get(url, "")
    found = re.search(r'from "\./([^"]+)"', body.decode())
    assert found, "app.mjs imports nothing"
    imported = found.group(1)
    assert imported == _hashed(collected, "js/govuk-frontend.min.js").rsplit("/", 1)[1]
    headers, _ = _get(f"/static/js/{imported}", "br")
    assert headers["Cache-Control"] == A_YEAR


def test_pages_name_hashed_files_with_debug_on_too(collected):
    # `make run` is a DEBUG demo serving what production serves; Django alone would fall back
    # to the plain names under DEBUG.
    with override_settings(DEBUG=True):
        assert static("css/app.css") == _hashed(collected, "css/app.css")


@pytest.mark.django_db
def test_a_page_loads_only_the_scripts_it_uses(cast):
    episode = allocated_case(cast.hackney)
    client = signed_in_client(cast.hackney.coach)
    scripts = {
        page: set(re.findall(r'<script[^>]* src="/static/js/([a-z-]+)\.', content.decode()))
        for page, content in {
            "caseload": client.get("/").content,
            "session form": client.get(
                f"/young-people/{episode.young_person_id}/sessions/new/"
            ).content,
        }.items()
    }
    # offline: the phone's outbox and copies for working without signal (docs/offline.md).
    everywhere = {"supported", "app", "drafts", "offline"}
    assert scripts["caseload"] == everywhere
    assert scripts["session form"] == everywhere | {"scale", "attendance", "reveal"}


@override_settings(STORAGES=PRODUCTION_STORAGE, STATICFILES_FINDERS=OUR_FILES_ONLY)
def test_collectstatic_compresses_again_only_what_changed(tmp_path):
    sources, static_root = tmp_path / "sources", tmp_path / "static"
    sources.mkdir()
    script = sources / "notes.js"
    script.write_text("const first = 'first version';\n" * 200)
    _collect(static_root, [sources])
    plain = static_root / "notes.js.br"
    hashed = next(static_root.glob("notes.*.js.br"))
    # Marked, to see whether the next run writes them again (their times kept as they were).
    for copy in (plain, hashed):
        made = copy.stat()
        copy.write_bytes(b"made by the first run")
        os.utime(copy, ns=(made.st_atime_ns, made.st_mtime_ns))

    _collect(static_root, [sources])
    assert plain.read_bytes() == hashed.read_bytes() == b"made by the first run"

    script.write_text("const second = 'second version';\n" * 200)
    later = script.stat().st_mtime + 10  # collectstatic compares times to the second
    os.utime(script, (later, later))
    _collect(static_root, [sources])
    assert brotli.decompress(plain.read_bytes()) == script.read_bytes()
    newest = {path for path in static_root.glob("notes.*.js.br")} - {hashed}
    assert len(newest) == 1
    assert brotli.decompress(newest.pop().read_bytes()) == script.read_bytes()
