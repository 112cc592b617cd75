// Keeps what a coach has typed in a form marked data-draft-key, so a dropped connection or an
// accidental reload does not lose it (docs/programme.md S2). Drafts live in sessionStorage: they
// last as long as the tab, never outlive it, and are cleared at sign-out and once the server has
// saved the record (a message carries data-clear-draft).
const PREFIX = "yc-draft:";

function fields(form) {
  return Array.from(form.elements).filter(
    (el) => el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "submit",
  );
}

function save(form, key) {
  const data = {};
  for (const el of fields(form)) {
    if (el.type === "checkbox" || el.type === "radio") {
      if (el.checked) (data[el.name] ||= []).push(el.value);
    } else {
      data[el.name] = [el.value];
    }
  }
  sessionStorage.setItem(key, JSON.stringify(data));
}

function restore(form, key) {
  const raw = sessionStorage.getItem(key);
  if (!raw) return false;
  const data = JSON.parse(raw);
  for (const el of fields(form)) {
    const values = data[el.name] || [];
    if (el.type === "checkbox" || el.type === "radio") {
      el.checked = values.includes(el.value);
    } else if (values.length) {
      el.value = values[0];
    }
  }
  return true;
}

for (const marker of document.querySelectorAll("[data-clear-draft]")) {
  sessionStorage.removeItem(PREFIX + marker.dataset.clearDraft);
}

for (const form of document.querySelectorAll("form[data-draft-key]")) {
  const key = PREFIX + form.dataset.draftKey;
  // After a server-side error the page already shows what was sent: keep that, not the draft.
  const hasErrors = document.querySelector(".govuk-error-summary");
  if (!hasErrors && restore(form, key)) {
    const note = document.getElementById("draft-restored");
    if (note) note.hidden = false;
  }
  form.addEventListener("input", () => save(form, key));
  form.addEventListener("change", () => save(form, key));
  const discard = document.getElementById("draft-discard");
  if (discard) {
    discard.addEventListener("click", () => {
      sessionStorage.removeItem(key);
      window.location.reload();
    });
  }
}

for (const form of document.querySelectorAll("form[data-sign-out]")) {
  form.addEventListener("submit", () => {
    for (const name of Object.keys(sessionStorage)) {
      if (name.startsWith(PREFIX)) sessionStorage.removeItem(name);
    }
  });
}
