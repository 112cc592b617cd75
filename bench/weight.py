"""Page weight on a slow phone connection: what a coach's phone downloads, and how long it waits.

The service is started the production way (collectstatic with hashed names and gzip and Brotli
copies, gunicorn, WhiteNoise), and Debian's Chromium, driven by Playwright, loads each page over
a connection throttled through the DevTools protocol (Network.emulateNetworkConditions) to
`CONNECTION`: 400 ms round trip, 400 kbit/s each way. Every byte the browser receives for the
page (the page itself, its styles, scripts and images, headers included: the protocol's
`encodedDataLength`) is counted.

The bench coach signs in through both steps in the browser, as a person does (email and
password, then the authenticator's code). For each page, each measurement in `MEASUREMENTS`:

- cold: the browser's cache emptied, as on a coach's first visit or after a release;
- warm: the same page again straight after, the cache primed;
- offline: with no signal at all, from the service worker's sealed copy (the pages a coach's
  phone keeps: the caseload and the session form; docs/offline.md). Target: the form usable
  within a second.

Printed as JSON for bench.run: per page and measurement, kilobytes on the wire, the time to
DOMContentLoaded (the form can be used) and to the load event, and each file fetched with its
size and the compression the server chose.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import CDPSession, Page, ViewportSize, sync_playwright

from bench.common import answer, person
from bench.load import Server
from bench.pages import anchor_young_person
from devtools import demo

#: The connection a coach's phone has in a basement: the figures of the usual "Slow 3G" preset,
#: 400 ms round trip and 400 kbit/s down and up. (Chromium's DevTools menu applies its own
#: fivefold latency factor to the same preset, 2,000 ms; these are the figures used here.)
CONNECTION = {"latency_ms": 400, "download_kbit": 400, "upload_kbit": 400}

#: A coach's first page costs at most this much of their data (docs/performance.md).
FIRST_PAGE_TARGET_KB = 60

#: As the browser tests launch it (tests/e2e/conftest.py): no calls to the internet.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Each measurement is made this many times; the table shows the median.
ROUNDS = 3
#: The figures of one load (besides its files).
FIGURES = ("kb", "requests", "from_network", "dom_ms", "load_ms")
#: A phone's screen (the interaction budgets' size, tests/e2e/test_case_cards.py).
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass
class Wire:
    """Every response the browser received while recording, from the DevTools protocol."""

    cdp: CDPSession
    recording: bool = False
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.on("Network.requestServedFromCache", self._from_cache)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event: dict[str, Any]) -> None:
        if self.recording:
            self.requests.setdefault(event["requestId"], {})["url"] = event["request"]["url"]

    def _received(self, event: dict[str, Any]) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None:
            response = event["response"]
            headers = {name.lower(): value for name, value in response["headers"].items()}
            request["status"] = response["status"]
            request["encoding"] = headers.get("content-encoding", "")
            request["cache_control"] = headers.get("cache-control", "")
            request["from_cache"] = request.get("from_cache", False) or bool(
                response.get("fromDiskCache") or response.get("fromPrefetchCache")
            )

    def _from_cache(self, event: dict[str, Any]) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None:
            request["from_cache"] = True

    def _finished(self, event: dict[str, Any]) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None:
            request["bytes"] = int(event["encodedDataLength"])

    def _failed(self, event: dict[str, Any]) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None:
            request["failed"] = event.get("errorText", "failed")


def _throttle(cdp: CDPSession, on: bool) -> None:
    bytes_per_second = {
        direction: CONNECTION[f"{direction}_kbit"] * 1000 / 8
        for direction in ("download", "upload")
    }
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": CONNECTION["latency_ms"] if on else 0,
            "downloadThroughput": bytes_per_second["download"] if on else -1,
            "uploadThroughput": bytes_per_second["upload"] if on else -1,
        },
    )


def _load(page: Page, wire: Wire, url: str, *, throttled: bool = True) -> dict[str, Any]:
    """Open `url` on the throttled connection; what came over the wire, and how long it took."""
    wire.requests.clear()
    wire.recording = True
    _throttle(wire.cdp, throttled)
    try:
        page.goto(url, wait_until="load", timeout=120_000)
        # Files asked for after the load event (none today) still count towards the page.
        page.wait_for_load_state("networkidle", timeout=120_000)
    finally:
        wire.recording = False
        _throttle(wire.cdp, False)
    timing = page.evaluate(
        """() => { const n = performance.getEntriesByType('navigation')[0];
                   return {dom: n.domContentLoadedEventEnd, load: n.loadEventEnd}; }"""
    )
    files = [
        {
            "path": urlsplit(r["url"]).path,
            "bytes": r.get("bytes", 0),
            "encoding": r.get("encoding", ""),
            "cache_control": r.get("cache_control", ""),
            "from_cache": r.get("from_cache", False),
            **({"failed": r["failed"]} if "failed" in r else {}),
        }
        for r in wire.requests.values()
        if r.get("url", "").startswith("http")
    ]
    failed = [f"{f['path']}: {f['failed']}" for f in files if "failed" in f]
    assert not failed, f"{url}: requests failed: {failed}"
    return {
        "kb": round(sum(f["bytes"] for f in files) / 1024, 1),
        "requests": len(files),
        "from_network": sum(1 for f in files if f["bytes"] and not f["from_cache"]),
        "dom_ms": round(timing["dom"]),
        "load_ms": round(timing["load"]),
        "files": files,
    }


def cold(page: Page, wire: Wire, url: str) -> dict[str, Any]:
    """The first visit: nothing in the browser's cache (cookies kept, so still signed in)."""
    wire.cdp.send("Network.clearBrowserCache")
    return _load(page, wire, url)


def warm(page: Page, wire: Wire, url: str) -> dict[str, Any]:
    """The same page again, its files in the cache from the visit before."""
    return _load(page, wire, url)


#: What the phone keeps for working without signal (docs/offline.md): the service worker says
#: when it has finished keeping it.
KEPT = """async () => {
    if (!(await indexedDB.databases()).some(d => d.name === 'yourchoice-offline')) return false;
    const db = await new Promise((ok, fail) => {
        const r = indexedDB.open('yourchoice-offline');
        r.onsuccess = () => ok(r.result);
        r.onerror = fail;
    });
    const done = db.objectStoreNames.contains('meta') && await new Promise(ok => {
        const r = db.transaction('meta').objectStore('meta').get('refreshed-at');
        r.onsuccess = () => ok(r.result);
    });
    db.close();
    return Boolean(done);
}"""


def offline(page: Page, wire: Wire, url: str) -> dict[str, Any] | None:
    """The page with no signal at all, from the service worker's sealed copy (S6: the session
    form usable offline within a second). Only for the pages a phone keeps."""
    if urlsplit(url).path.startswith("/sign-in/"):
        return None
    deadline = time.monotonic() + 60
    while not page.evaluate(KEPT):
        assert time.monotonic() < deadline, "the service worker kept no copies within 60 s"
        time.sleep(0.2)
    # The browser's own offline mode, which the service worker's fetches obey too.
    page.context.set_offline(True)
    try:
        return _load(page, wire, url, throttled=False)
    finally:
        page.context.set_offline(False)


#: Each measurement of each page, in order: a function of (page, wire, url), None where it does
#: not apply to the page.
MEASUREMENTS: list[tuple[str, Callable[[Page, Wire, str], dict[str, Any] | None]]] = [
    ("cold", cold),
    ("warm", warm),
    ("offline", offline),
]


def _measure(
    page: Page,
    wire: Wire,
    label: str,
    url: str,
    measurements: list[tuple[str, Callable[[Page, Wire, str], dict[str, Any] | None]]],
) -> dict[str, Any]:
    """Each measurement, ROUNDS times in turn (cold, warm, cold, warm...): the median of each
    figure, and the files of the first round. The page is first opened once unthrottled, so
    that what is timed is the connection, not a server process's or the browser's first use."""
    page.goto(url, wait_until="load")
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in measurements}
    for _ in range(ROUNDS):
        for name, measurement in measurements:
            found = measurement(page, wire, url)
            if found is not None:
                samples[name].append(found)
    measured: dict[str, Any] = {"page": label, "url": urlsplit(url).path}
    for name, runs in samples.items():
        measured[name] = (
            {
                **{key: statistics.median(r[key] for r in runs) for key in FIGURES},
                "files": runs[0]["files"],
            }
            if runs
            else None
        )
    return measured


def _sign_in(page: Page, base: str, email: str, device: TOTPDevice, *, ahead: int = 0) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/sign-in/code/")
    # Each pass signs in afresh, often within one 30-second step, where the code already used
    # would be refused as a replay: a later pass types the next step's code, which the
    # device's tolerance of one step accepts, as it would a phone's clock a little ahead.
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + ahead * device.step
    code = totp.token()
    page.get_by_label("Code from your authenticator app").fill(f"{code:06d}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def _collect_static(env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "collectstatic", "--noinput",
         "--verbosity", "0"],
        env={**os.environ, **env}, check=True,
    )  # fmt: skip
    return round(time.monotonic() - started, 1)


def main() -> None:
    coach = person("coach")
    device = TOTPDevice.objects.get(user=coach, confirmed=True)
    young_person = anchor_young_person()
    # The production set-up (yourchoice/settings.py, Dockerfile): hashed, compressed files, in
    # the benchmarks' own STATIC_ROOT (bench/settings.py).
    production = {"DJANGO_STATIC_MANIFEST": "true", "STATIC_ROOT": str(settings.STATIC_ROOT)}
    collect_seconds = _collect_static(production)
    pages = [
        ("Sign-in page", "/sign-in/"),
        ("Coach caseload (home page)", "/"),
        ("Log a session (form)", f"/young-people/{young_person}/sessions/new/"),
    ]
    results: list[dict[str, Any]] = []
    # localhost rather than 127.0.0.1: browsers offer Brotli only to secure origins, which
    # localhost is (as https is in production).
    with Server(worker=False, env=production) as server, sync_playwright() as playwright:
        base = f"http://localhost:{server.port}"
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # A first visit has no service worker yet, and the protocol does not see what one
        # fetches: the weights are measured without it, the offline pages with it.
        passes: list[tuple[Literal["block", "allow"], list[Any]]] = [
            ("block", MEASUREMENTS[:2]),
            ("allow", MEASUREMENTS[2:]),
        ]
        for workers, measuring in passes:
            # bypass_csp: the offline measurement reads what the phone keeps from the page,
            # which the service's policy rightly forbids any script but its own to do.
            context = browser.new_context(
                viewport=PHONE,
                is_mobile=True,
                has_touch=True,
                bypass_csp=True,
                service_workers=workers,
            )
            page = context.new_page()
            wire = Wire(context.new_cdp_session(page))
            wire.cdp.send("Network.enable")
            found = []
            label, path = pages[0]
            found.append(_measure(page, wire, label, base + path, measuring))
            _sign_in(page, base, coach.email, device, ahead=len(results) and 1)
            for label, path in pages[1:]:
                found.append(_measure(page, wire, label, base + path, measuring))
            for result, more in zip(results or found, found, strict=True):
                result.update({name: more[name] for name, _ in measuring})
            results = results or found
            context.close()
        browser.close()
    answer(
        {
            "connection": CONNECTION,
            "target_first_page_kb": FIRST_PAGE_TARGET_KB,
            "collectstatic_seconds": collect_seconds,
            "measurements": [name for name, _ in MEASUREMENTS],
            "rounds": ROUNDS,
            "pages": results,
        }
    )


if __name__ == "__main__":
    main()
