// Sending what waits in the phone's outbox (docs/offline.md). The page and the service worker
// both call `sendWaiting`; each item is claimed in one IndexedDB transaction first, and the
// service recognises a resend by the item's idempotency key, so a session is stored once
// however often, and from however many tabs, it is sent.
import * as store from "./store.mjs";

export const CHANNEL = "yourchoice-outbox";

function announce() {
  if (self.BroadcastChannel) new BroadcastChannel(CHANNEL).postMessage({ type: "changed" });
}

// Who is signed in, a token to send with, and the pages to keep; null with no connection,
// { signedIn: false } when the sign-in has ended.
export async function serverState() {
  let response;
  try {
    response = await fetch("/offline/state/", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
      // Sent elsewhere (the phone handed to the young person, say): no answer for now.
      redirect: "manual",
    });
  } catch {
    return null;
  }
  if (response.status === 401) return { signedIn: false };
  if (!response.ok) return null;
  try {
    return { ...(await response.json()), signedIn: true };
  } catch {
    return null;
  }
}

function claim(db, key) {
  const now = Date.now();
  return store.update(db, key, (item) =>
    item.state === "waiting" ||
    item.state === "signed-out" ||
    (item.state === "sending" && now - item.since > store.SENDING_LEASE_MS)
      ? { ...item, state: "sending", since: now }
      : null,
  );
}

function settle(db, key, fields) {
  return store.update(db, key, (item) => ({ ...item, since: Date.now(), ...fields }));
}

async function sendOne(db, state, item) {
  const body = new URLSearchParams();
  for (const [name, value] of item.fields || []) {
    if (name !== "csrfmiddlewaretoken") body.append(name, value);
  }
  body.append("csrfmiddlewaretoken", state.csrf);
  if (item.choice === "without-changed-goals") body.set("without_changed_goals", "on");
  let response;
  try {
    response = await fetch(item.url, {
      method: "POST",
      body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-Outbox": "send", "X-Outbox-Owner": item.owner, Accept: "application/json" },
    });
  } catch {
    return settle(db, item.key, { state: "waiting" });
  }
  // Sent to sign in: the sign-in ended. It waits for the same person to sign in again.
  if (response.type === "opaqueredirect") return settle(db, item.key, { state: "signed-out" });
  let answer = {};
  try {
    answer = await response.json();
  } catch {
    answer = {};
  }
  if (response.ok && answer.outcome === "saved") return store.markSent(db, item.key);
  if (response.status === 409 || response.status === 400 || response.status === 404) {
    return settle(db, item.key, {
      state: "needs-you",
      reason: answer.reason || (response.status === 400 ? "invalid" : "gone"),
      message: answer.message || "The service could not save this session as it was.",
      errors: answer.errors || null,
      choice: null,
    });
  }
  // Refused token, the service busy or down: try again later.
  return settle(db, item.key, { state: "waiting" });
}

let running = null;
let again = false;

// Send every item of the person signed in now that is waiting; nobody else's. Asked again while
// sending, it goes round once more when done, for an item that began waiting meanwhile.
export function sendWaiting() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      do {
        again = false;
        await sendOnce();
      } while (again);
    } finally {
      running = null;
      announce();
    }
  })();
  return running;
}

async function sendOnce() {
  const db = await store.open();
  const unsent = (await db.getAll("outbox")).filter((item) => !["sent", "needs-you"].includes(item.state));
  if (!unsent.length) return;
  const state = await serverState();
  if (!state) return;
  if (!state.signedIn) {
    for (const item of unsent) {
      await store.update(db, item.key, (found) => (found.state === "waiting" ? { ...found, state: "signed-out" } : null));
    }
    return;
  }
  for (const item of await store.items(db, state.owner)) {
    if (!(await claim(db, item.key))) continue;
    await sendOne(db, state, item);
    announce();
  }
}
