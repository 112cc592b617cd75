// The service worker (docs/offline.md): built by scripts/build-assets.mjs into js/service-worker.js,
// which the one line the service answers at /sw.js loads under its hashed name.
// It keeps the pages a coach needs with no signal (sealed in IndexedDB, never in the plain
// Cache Storage), serves them when the network does not answer, catches a session whose save
// failed for the network, and sends the outbox when the connection returns.
import { registerRoute, setCatchHandler } from "workbox-routing";
import { CacheFirst, NetworkFirst } from "workbox-strategies";
import { ExpirationPlugin } from "workbox-expiration";
import { sendWaiting, serverState } from "./sender.mjs";
import * as store from "./store.mjs";

const STATIC_CACHE = "yourchoice-static";
// Hashed names (production): a file's content never changes under its name.
const HASHED = /\.[0-9a-f]{12}\.\w+$/;
// The forms whose saves are kept on the phone when the network fails.
const KEPT_FORMS = /^\/young-people\/\d+\/sessions\/new\/$/;
// How long a page waits for the network before the copy is shown instead.
const NETWORK_WAIT_MS = 4000;
const FALLBACK = "/offline/";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

const expiry = new ExpirationPlugin({ maxEntries: 80, maxAgeSeconds: 365 * 24 * 3600 });
registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith("/static/") && HASHED.test(url.pathname),
  new CacheFirst({ cacheName: STATIC_CACHE, plugins: [expiry] }),
);
registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith("/static/"),
  new NetworkFirst({ cacheName: STATIC_CACHE, networkTimeoutSeconds: 4, plugins: [expiry] }),
);

function withTimeout(promise, ms) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error("no answer")), ms)),
  ]);
}

async function keptPage(pathname) {
  if (!(await store.exists())) return null;
  const db = await store.open();
  const owner = await store.signedIn(db);
  if (!owner) return null;
  const keepHours = (await db.get("meta", "keep-hours")) || 10;
  const found = (await store.page(db, owner, pathname, keepHours)) || (await store.page(db, owner, FALLBACK, keepHours));
  if (!found) return null;
  // Marked, so the page says it is the phone's copy and gives its forms fresh keys.
  const html = found.html.replace("<html ", `<html data-offline-copy="${found.savedAt}" `);
  return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
}

registerRoute(
  ({ request, url }) => request.mode === "navigate" && request.method === "GET" && url.origin === self.location.origin,
  async ({ request, url }) => {
    try {
      return await withTimeout(fetch(request), NETWORK_WAIT_MS);
    } catch {
      return (await keptPage(url.pathname)) || Response.error();
    }
  },
);

// A session saved while the connection drops: the page has already kept it (page.mjs); the
// coach is shown what waits instead of the browser's error page.
registerRoute(
  ({ request, url }) => request.mode === "navigate" && url.origin === self.location.origin && KEPT_FORMS.test(url.pathname),
  async ({ request }) => {
    const sent = request.clone();
    try {
      return await fetch(request);
    } catch {
      const form = await sent.formData();
      const key = form.get("idempotency_key") || "";
      const db = await store.open();
      await store.update(db, key, (item) => (item.state === "sending" ? { ...item, state: "waiting" } : null));
      return Response.redirect(`/offline/waiting/?kept=${encodeURIComponent(key)}`, 303);
    }
  },
  "POST",
);

setCatchHandler(() => Response.error());

// Checked at most this often, except from the caseload.
const REFRESH_EVERY_MS = 5 * 60_000;

async function refreshCopies(force) {
  if (!force && (await store.exists())) {
    const db = await store.open();
    if (Date.now() - ((await db.get("meta", "refreshed-at")) || 0) < REFRESH_EVERY_MS) return;
  }
  const state = await serverState();
  if (!state) return;
  if (!(await store.exists()) && !state.signedIn) return;
  const db = await store.open();
  if (!state.signedIn) {
    await store.forgetCopiesExcept(db, null);
    return;
  }
  await store.forgetCopiesExcept(db, state.owner);
  await db.put("meta", state.keep_hours, "keep-hours");
  const kept = new Map((await db.getAllFromIndex("pages", "owner", state.owner)).map((p) => [p.url, p]));
  const wanted = new Set(state.copies.map((copy) => copy.url));
  const stale = state.copies.filter((copy) => {
    const found = kept.get(copy.url);
    return !found || found.version !== copy.version || Date.now() - found.savedAt > (state.keep_hours * 3600_000) / 2;
  });
  // A few at a time: a first visit on a slow connection fetches a caseload's worth.
  const queue = [...stale];
  async function worker() {
    while (queue.length) {
      const copy = queue.shift();
      try {
        const response = await fetch(copy.source, {
          credentials: "same-origin",
          headers: { "X-Offline-Copy": "1" },
          redirect: "error",
        });
        if (response.ok) await store.putPage(db, state.owner, copy.url, copy.version, await response.text());
      } catch {
        // The connection went, or the sign-in ended: the copy is fetched next time.
      }
    }
  }
  await Promise.all([worker(), worker(), worker()]);
  for (const url of kept.keys()) {
    if (!wanted.has(url)) await db.delete("pages", [state.owner, url]);
  }
  await db.put("meta", Date.now(), "refreshed-at");
}

async function warm(urls) {
  const cache = await caches.open(STATIC_CACHE);
  await Promise.all(
    urls.map(async (url) => {
      if (!(await cache.match(url))) {
        try {
          await cache.add(url);
        } catch {
          // Fetched again with the next page.
        }
      }
    }),
  );
}

self.addEventListener("message", (event) => {
  const { type, urls, force } = event.data || {};
  if (type === "refresh") event.waitUntil(refreshCopies(Boolean(force)));
  if (type === "warm" && Array.isArray(urls)) event.waitUntil(warm(urls));
  if (type === "send") event.waitUntil(sendWaiting());
});

self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(sendWaiting());
});
