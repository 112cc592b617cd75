// The page's side of working without signal (docs/offline.md): registers the service worker,
// keeps a session saved with no connection in the outbox, says on every page what waits, lets
// the coach decide about one that could not be saved as it was, and wipes what the phone kept
// at sign-out. Every page works without it.
import * as store from "./store.mjs";
import { CHANNEL, sendWaiting } from "./sender.mjs";

const owner = document.querySelector('meta[name="yc-owner"]')?.content || null;
const keptCopy = document.documentElement.dataset.offlineCopy;
const banner = document.getElementById("phone-outbox");
const list = document.getElementById("phone-outbox-list");
// Web Crypto (and with it randomUUID) exists only on a secure origin: https, or localhost.
const supported = "indexedDB" in self && self.isSecureContext && crypto.subtle;

const WHAT_HAPPENS = {
  closed: "The case this session was written for has been closed.",
  gone: "You can no longer add to this young person's record.",
  "goal-changed": "A goal this session rates has changed.",
  invalid: "Some answers need putting right.",
  changed: "The record changed after the session was saved on the phone.",
};

function time(ms) {
  return new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function stateText(item) {
  if (item.state === "sent") return `Sent at ${time(item.sentAt)}`;
  if (item.state === "needs-you") return "Needs you before it can be sent";
  if (item.state === "signed-out") return "Waiting for you to sign in again";
  if (item.state === "sending") return "Sending";
  return "Waiting to send";
}

// --- Every page: what waits ------------------------------------------------------------------

async function drawBanner(items) {
  if (!banner) return;
  banner.replaceChildren();
  const waiting = items.filter((i) => ["waiting", "sending", "signed-out"].includes(i.state));
  const needYou = items.filter((i) => i.state === "needs-you");
  const justSent = items.filter((i) => i.state === "sent" && Date.now() - i.sentAt < 15 * 60_000);
  const parts = [];
  if (keptCopy) {
    parts.push(
      el("p", {
        class: "govuk-body govuk-!-font-weight-bold",
        text: `No signal: this is the copy kept on this phone at ${time(Number(keptCopy))}.`,
      }),
    );
  }
  if (waiting.length) {
    parts.push(
      el("p", {
        class: "govuk-body govuk-!-font-weight-bold",
        "data-testid": "phone-waiting",
        text: `Saved on this phone: ${plural(waiting.length, "session", "sessions")} waiting to send`,
      }),
      el("ul", { class: "govuk-list" }, ...waiting.map((i) => el("li", { text: `${i.what}: ${stateText(i).toLowerCase()}` }))),
    );
  }
  if (needYou.length) {
    parts.push(
      el("p", {
        class: "govuk-body govuk-!-font-weight-bold",
        "data-testid": "phone-needs-you",
        text: `${plural(needYou.length, "session needs", "sessions need")} you before ${needYou.length === 1 ? "it" : "they"} can be sent`,
      }),
    );
  }
  for (const i of justSent) parts.push(el("p", { class: "govuk-body", "data-testid": "phone-sent", text: `${i.what}: sent at ${time(i.sentAt)}.` }));
  if (waiting.length || needYou.length) {
    parts.push(el("p", { class: "govuk-body" }, el("a", { class: "govuk-link", href: "/offline/waiting/", text: "See what is saved on this phone" })));
  }
  banner.append(...parts);
  banner.hidden = parts.length === 0;
}

// --- The "Saved on this phone" page ----------------------------------------------------------

function choiceButton(text, action, key, extra = "") {
  return el("button", {
    type: "button",
    class: `govuk-button ${extra}`.trim(),
    "data-module": "govuk-button",
    "data-action": action,
    "data-key": key,
    text,
  });
}

function drawItem(item) {
  const rows = [
    el("h2", { class: "govuk-heading-s govuk-!-margin-bottom-1", text: item.what }),
    el("p", { class: "govuk-body-s govuk-!-margin-bottom-1", text: `Saved on this phone at ${time(item.keptAt)}` }),
    el("p", { class: "govuk-body govuk-!-font-weight-bold", "data-testid": "phone-item-state", text: stateText(item) }),
  ];
  if (item.state === "needs-you") {
    rows.push(el("p", { class: "govuk-body", "data-testid": "phone-item-reason", text: item.message || WHAT_HAPPENS[item.reason] || "" }));
    if (item.errors) {
      rows.push(el("ul", { class: "govuk-list govuk-error-message" }, ...Object.values(item.errors).flat().map((m) => el("li", { text: m }))));
    }
    const choices = el("div", { class: "govuk-button-group" });
    if (item.reason === "goal-changed") choices.append(choiceButton("Save without that goal's rating", "without-changed-goals", item.key));
    if (item.reason === "invalid") choices.append(choiceButton("Open it to put right", "correct", item.key));
    if (["closed", "gone", "goal-changed", "changed"].includes(item.reason)) {
      choices.append(choiceButton(item.askedAt ? `Asked your supervisor at ${time(item.askedAt)}` : "Ask your supervisor", "ask", item.key, "govuk-button--secondary"));
    }
    choices.append(choiceButton("Discard this session", "discard", item.key, "govuk-button--warning"));
    rows.push(choices);
  } else if (item.state !== "sent") {
    rows.push(el("div", { class: "govuk-button-group" }, choiceButton("Send now", "send", item.key, "govuk-button--secondary")));
  }
  return el("li", { class: "app-phone-item", "data-testid": "phone-item" }, ...rows);
}

function drawList(items) {
  if (!list) return;
  list.replaceChildren(
    items.length
      ? el("ul", { class: "govuk-list app-phone-items" }, ...items.map(drawItem))
      : el("p", { class: "govuk-body", text: "Nothing is waiting on this phone." }),
  );
}

async function confirmDiscard(item) {
  const panel = el(
    "div",
    { class: "govuk-warning-text", "data-testid": "discard-confirm" },
    el("span", { class: "govuk-warning-text__icon", "aria-hidden": "true", text: "!" }),
    el("strong", { class: "govuk-warning-text__text", text: `Discard "${item.what}"? It has not reached the service and will be lost.` }),
  );
  const yes = choiceButton("Yes, discard it", "discard-yes", item.key, "govuk-button--warning");
  const no = choiceButton("Keep it", "discard-no", item.key, "govuk-button--secondary");
  const where = list.querySelector(`[data-key="${CSS.escape(item.key)}"][data-action="discard"]`).closest("li");
  where.append(panel, el("div", { class: "govuk-button-group" }, yes, no));
  yes.focus();
}

async function act(action, key) {
  const db = await store.open();
  const [item] = (await store.items(db, owner)).filter((i) => i.key === key);
  if (!item) return;
  if (action === "send") {
    await store.update(db, key, (found) => ({ ...found, state: "waiting", since: 0 }));
    await sendWaiting();
  } else if (action === "without-changed-goals") {
    await store.update(db, key, (found) => ({ ...found, state: "waiting", choice: "without-changed-goals" }));
    await sendWaiting();
  } else if (action === "discard") {
    return confirmDiscard(item);
  } else if (action === "discard-yes") {
    await store.remove(db, key);
  } else if (action === "correct") {
    // Back into the form, as typed, with the same key: saving it there sends it once.
    const draft = {};
    for (const [name, value] of item.fields || []) (draft[name] ||= []).push(value);
    const formKey = item.draftKey;
    if (formKey) sessionStorage.setItem(`yc-draft:${formKey}`, JSON.stringify(draft));
    await store.remove(db, key);
    location.assign(item.url);
    return;
  } else if (action === "ask") {
    const body = new URLSearchParams({ reason: item.reason, young_person: item.youngPerson || "" });
    const token = document.querySelector('input[name="csrfmiddlewaretoken"]')?.value || "";
    try {
      const response = await fetch("/offline/ask-supervisor/", {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, "X-Outbox": "send", "X-Outbox-Owner": owner, Accept: "application/json" },
      });
      if (response.ok) await store.update(db, key, (found) => ({ ...found, askedAt: Date.now() }));
    } catch {
      // No signal: the button stays, to try again.
    }
  }
  await refresh();
}

// --- Keeping a session saved with no connection -----------------------------------------------


function summary(form) {
  const day = form.querySelector('[name="occurred_on_day"]')?.value;
  const month = form.querySelector('[name="occurred_on_month"]')?.value;
  const year = form.querySelector('[name="occurred_on_year"]')?.value;
  const at = form.querySelector('[name="occurred_time"]')?.value;
  const attendance = form.querySelector('[name="attendance"]:checked');
  const label = attendance ? form.querySelector(`label[for="${attendance.id}"]`)?.textContent.trim().toLowerCase() : "";
  const date = day && month && year ? new Date(Number(year), Number(month) - 1, Number(day)) : null;
  const said = date && !Number.isNaN(date.getTime())
    ? date.toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long" })
    : "";
  const when = said ? `${said}${at ? ` at ${at}` : ""}` : "";
  return [form.dataset.outbox, label, when].filter(Boolean).join(", ");
}

function watchForms() {
  for (const form of document.querySelectorAll("form[data-outbox]")) {
    const keyInput = form.querySelector('input[name="idempotency_key"]');
    if (!keyInput) continue;
    // The phone's copy of a form is drawn again for each session: each needs its own key.
    if (keptCopy) keyInput.value = crypto.randomUUID();
    form.addEventListener("submit", async (event) => {
      if (form.dataset.outboxSent) return;
      event.preventDefault();
      const db = await store.open();
      const youngPerson = (form.getAttribute("action") || location.pathname).match(/young-people\/(\d+)\//)?.[1] || "";
      const item = {
        key: keyInput.value,
        url: new URL(form.getAttribute("action") || location.pathname, location.href).pathname,
        then: form.dataset.outboxThen || "/",
        what: summary(form),
        fields: [...new FormData(form)].filter(([, value]) => typeof value === "string"),
        state: navigator.onLine ? "sending" : "waiting",
      };
      await store.keep(db, owner, item);
      await store.update(db, item.key, (found) => ({ ...found, draftKey: form.dataset.draftKey || "", youngPerson, foreground: true }));
      // Kept now, so the tab's draft would only offer it a second time.
      if (form.dataset.draftKey) sessionStorage.removeItem(`yc-draft:${form.dataset.draftKey}`);
      if (navigator.onLine) {
        form.dataset.outboxSent = "1";
        form.submit();
        return;
      }
      const registration = await navigator.serviceWorker?.ready;
      await registration?.sync?.register("outbox").catch(() => {});
      location.assign(item.then);
    });
  }
}

// A session sent by the page itself ends on one of three pages: its young person's page, saying
// it was logged (data-phone-sent); the form again, with what to put right (the coach has it in
// front of them); or, when the connection dropped, the list of what waits (?kept=).
async function settleForeground(db) {
  const arrived = new Set([...document.querySelectorAll("[data-phone-sent]")].map((n) => n.dataset.phoneSent));
  const onForm = new Set([...document.querySelectorAll('form[data-outbox] input[name="idempotency_key"]')].map((n) => n.value));
  for (const item of await db.getAllFromIndex("outbox", "owner", owner)) {
    if (arrived.has(item.key)) await store.markSent(db, item.key);
    else if (item.state === "sending" && item.foreground && onForm.has(item.key) && !keptCopy) await store.remove(db, item.key);
    else if (item.state === "sending" && item.foreground) await store.update(db, item.key, (found) => ({ ...found, state: "waiting", foreground: false }));
  }
}

// --- Signing out --------------------------------------------------------------------------------

function watchSignOut() {
  for (const form of document.querySelectorAll("form[data-sign-out]")) {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.phoneChecked) return;
      event.preventDefault();
      let waiting = false;
      let mine = [];
      if (await store.exists()) {
        const db = await store.open();
        waiting = await store.anythingWaiting(db);
        mine = owner ? (await store.items(db, owner)).filter((i) => i.state !== "sent") : [];
      }
      if (mine.length && !form.dataset.phoneConfirmed) {
        return warnBeforeSignOut(form, mine.length);
      }
      form.elements.phone_keeps.value = waiting ? "waiting" : "";
      if (!waiting) {
        await store.wipe();
        const registrations = (await navigator.serviceWorker?.getRegistrations?.()) || [];
        for (const registration of registrations) await registration.unregister();
      }
      form.dataset.phoneChecked = "1";
      form.submit();
    });
  }
}

function warnBeforeSignOut(form, count) {
  const main = document.getElementById("main-content");
  const warning = el(
    "div",
    { class: "govuk-notification-banner", role: "alert", "aria-labelledby": "sign-out-warning-title", "data-testid": "sign-out-warning" },
    el("div", { class: "govuk-notification-banner__header" }, el("h2", { class: "govuk-notification-banner__title", id: "sign-out-warning-title", text: "Important" })),
    el(
      "div",
      { class: "govuk-notification-banner__content" },
      el("p", { class: "govuk-notification-banner__heading", text: `${plural(count, "session has", "sessions have")} not been sent yet` }),
      el("p", { class: "govuk-body", text: "If you sign out, they stay on this phone, locked, and are sent the next time you sign in on it. Nobody else who signs in here can see or send them." }),
    ),
  );
  const yes = el("button", { type: "button", class: "govuk-button govuk-button--warning", "data-module": "govuk-button", text: "Sign out anyway" });
  const no = el("button", { type: "button", class: "govuk-button govuk-button--secondary", "data-module": "govuk-button", text: "Stay signed in" });
  const group = el("div", { class: "govuk-button-group" }, yes, no);
  warning.querySelector(".govuk-notification-banner__content").append(group);
  main.prepend(warning);
  yes.addEventListener("click", () => {
    form.dataset.phoneConfirmed = "1";
    form.requestSubmit();
  });
  no.addEventListener("click", () => warning.remove());
  window.scrollTo(0, 0);
  yes.focus();
}

// --- Starting -----------------------------------------------------------------------------------

async function refresh() {
  if (!owner) return;
  const db = await store.open();
  const items = await store.items(db, owner);
  await drawBanner(items);
  drawList(items);
}

async function startSignedIn() {
  const db = await store.open();
  await store.forgetCopiesExcept(db, owner);
  await settleForeground(db);
  await store.forgetOldSent(db);
  watchForms();
  await refresh();
  if (list) {
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      if (button.dataset.action === "discard-no") return refresh();
      act(button.dataset.action, button.dataset.key);
    });
  }
  if (self.BroadcastChannel) new BroadcastChannel(CHANNEL).onmessage = () => refresh();
  const send = () => navigator.onLine && sendWaiting().then(refresh);
  addEventListener("online", send);
  addEventListener("focus", send);
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && send());
  if ("serviceWorker" in navigator) {
    const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
    const worker = registration.active || navigator.serviceWorker.controller;
    if (worker && navigator.onLine && !keptCopy) {
      const urls = [...document.querySelectorAll('link[rel="stylesheet"], link[rel="icon"], script[src]')]
        .map((node) => node.href || node.src)
        .filter((url) => url.startsWith(location.origin));
      worker.postMessage({ type: "warm", urls });
      // The caseload is where cases come and go; elsewhere now and then is enough.
      worker.postMessage({ type: "refresh", force: location.pathname === "/" });
    }
  }
  if (navigator.onLine) await send();
}

// Nobody signed in: what was kept for whoever was goes, except sessions still waiting to be
// sent, which stay sealed for their owner's next sign-in.
async function startSignedOut() {
  if (!(await store.exists())) return;
  const db = await store.open();
  await store.forgetCopiesExcept(db, null);
  if (!(await store.anythingWaiting(db))) await store.wipe();
}

if (supported) {
  if (owner) startSignedIn();
  else startSignedOut();
  watchSignOut();
}
