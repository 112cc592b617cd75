// What the phone keeps for working without signal, in IndexedDB through idb (docs/offline.md):
// copies of the pages a coach needs and an outbox of sessions saved with no connection, each
// filed under its owner (the opaque id of the person signed in when it was kept) and sealed
// with AES-GCM under that owner's key. Keys are Web Crypto keys that cannot be exported: the
// browser uses them for this site only, and wiping them makes whatever is left unreadable.
import { deleteDB, openDB } from "idb";

export const DB_NAME = "yourchoice-offline";
const DB_VERSION = 1;
// A send in flight longer than this was lost (a closed tab, a dropped connection): send again.
export const SENDING_LEASE_MS = 60_000;
// How long a sent item is still listed ("sent at 14:02") after it arrived.
export const SENT_SHOWN_MS = 12 * 3600_000;

// One connection per page or worker. It closes itself when another wants the database gone
// (a sign-out in another tab), so a wipe is never left waiting.
let connection = null;

export function open() {
  connection ||= openDB(DB_NAME, DB_VERSION, {
    upgrade(db) {
      db.createObjectStore("keys", { keyPath: "owner" });
      db.createObjectStore("pages", { keyPath: ["owner", "url"] }).createIndex("owner", "owner");
      db.createObjectStore("outbox", { keyPath: "key" }).createIndex("owner", "owner");
      db.createObjectStore("meta");
    },
    blocking(current, wanted, event) {
      event.target.close();
      connection = null;
    },
    terminated() {
      connection = null;
    },
  });
  return connection;
}

// Whether anything is kept at all, without creating the database by asking.
export async function exists() {
  if (!indexedDB.databases) return true;
  return (await indexedDB.databases()).some((found) => found.name === DB_NAME);
}

export async function wipe() {
  if (connection) (await connection).close();
  connection = null;
  await deleteDB(DB_NAME);
  if (self.caches) {
    for (const name of await caches.keys()) await caches.delete(name);
  }
}

async function keyFor(db, owner, create) {
  const found = await db.get("keys", owner);
  if (found || !create) return found ? found.key : null;
  const made = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
  // Another tab may have made one meanwhile: the first stored is the key.
  const tx = db.transaction("keys", "readwrite");
  const raced = await tx.store.get(owner);
  if (!raced) await tx.store.put({ owner, key: made });
  await tx.done;
  return raced ? raced.key : made;
}

export async function seal(db, owner, value) {
  const key = await keyFor(db, owner, true);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(value));
  return { iv, data: await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, plain) };
}

// The value, or null when its key is gone (wiped at sign-out) or it does not open.
export async function unseal(db, owner, sealed) {
  const key = sealed && (await keyFor(db, owner, false));
  if (!key) return null;
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, key, sealed.data);
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return null;
  }
}

export async function signedIn(db) {
  return (await db.get("meta", "signed-in")) || null;
}

// Only one person's copies are kept: another person's go when someone else signs in or
// nobody is signed in. Outbox items stay, sealed and unseen, until their owner sends them.
export async function forgetCopiesExcept(db, owner) {
  const tx = db.transaction(["pages", "meta"], "readwrite");
  let cursor = await tx.objectStore("pages").openCursor();
  while (cursor) {
    if (cursor.value.owner !== owner) await cursor.delete();
    cursor = await cursor.continue();
  }
  if (owner) await tx.objectStore("meta").put(owner, "signed-in");
  else await tx.objectStore("meta").delete("signed-in");
  await tx.done;
  await dropUnusedKeys(db);
}

// The key of whoever is signed in stays (copies of their pages are being kept as this runs);
// another person's goes once nothing of theirs is left.
async function dropUnusedKeys(db) {
  const tx = db.transaction(["keys", "pages", "outbox", "meta"], "readwrite");
  const current = await tx.objectStore("meta").get("signed-in");
  for (const { owner } of await tx.objectStore("keys").getAll()) {
    if (owner === current) continue;
    const pages = await tx.objectStore("pages").index("owner").count(owner);
    const items = await tx.objectStore("outbox").index("owner").count(owner);
    if (!pages && !items) await tx.objectStore("keys").delete(owner);
  }
  await tx.done;
}

export async function putPage(db, owner, url, version, html) {
  const sealed = await seal(db, owner, html);
  await db.put("pages", { owner, url, version, savedAt: Date.now(), sealed });
}

export async function page(db, owner, url, keepHours) {
  const found = await db.get("pages", [owner, url]);
  if (!found || Date.now() - found.savedAt > keepHours * 3600_000) return null;
  const html = await unseal(db, owner, found.sealed);
  return html === null ? null : { html, savedAt: found.savedAt };
}

// --- The outbox -------------------------------------------------------------------------------

export async function keep(db, owner, { key, url, then, what, fields, state }) {
  const sealed = await seal(db, owner, { what, fields });
  await db.put("outbox", {
    key,
    owner,
    url,
    then,
    state,
    since: Date.now(),
    keptAt: Date.now(),
    sealed,
  });
}

export async function items(db, owner) {
  const found = await db.getAllFromIndex("outbox", "owner", owner);
  const shown = [];
  for (const item of found) {
    const content = await unseal(db, owner, item.sealed);
    shown.push({ ...item, what: content ? content.what : "A session", fields: content && content.fields });
  }
  return shown.sort((a, b) => a.keptAt - b.keptAt);
}

export async function anythingWaiting(db) {
  return (await db.getAll("outbox")).some((item) => item.state !== "sent");
}

// Change one item in one transaction, so two tabs (or a tab and the service worker) never
// both act on it: `change` gets the item and returns the new one, or null to leave it.
export async function update(db, key, change) {
  const tx = db.transaction("outbox", "readwrite");
  const item = await tx.store.get(key);
  const changed = item ? change(item) : null;
  if (changed) await tx.store.put(changed);
  await tx.done;
  return changed;
}

export async function remove(db, key) {
  await db.delete("outbox", key);
  await dropUnusedKeys(db);
}

// Once sent, only what it was is kept, to say it arrived; the answers themselves go.
export async function markSent(db, key) {
  const item = await db.get("outbox", key);
  if (!item || item.state === "sent") return;
  const content = await unseal(db, item.owner, item.sealed);
  const sealed = await seal(db, item.owner, { what: content ? content.what : "A session", fields: null });
  await update(db, key, (found) => ({ ...found, state: "sent", sentAt: Date.now(), sealed }));
}

export async function forgetOldSent(db) {
  for (const item of await db.getAll("outbox")) {
    if (item.state === "sent" && Date.now() - item.sentAt > SENT_SHOWN_MS) await db.delete("outbox", item.key);
  }
  await dropUnusedKeys(db);
}
