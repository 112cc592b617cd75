// On the session form, a session that did not happen has no length, place, feelings or goal
// ratings (docs/programme.md S1). When another attendance is chosen, the questions named in the
// form's data-held-only are cleared and hidden, so the usual length and place filled in for an
// attended session are not sent; choosing "Attended" again brings them back with what they
// held. Without JavaScript they stay on the page and the service drops them.
const ATTENDED = "attended";

function controls(form, name) {
  const item = form.elements.namedItem(name);
  if (!item) return [];
  return item instanceof RadioNodeList ? Array.from(item) : [item];
}

function isChoice(el) {
  return el.type === "radio" || el.type === "checkbox";
}

for (const form of document.querySelectorAll("form[data-held-only]")) {
  const names = form.dataset.heldOnly.split(" ").filter(Boolean);
  const attendance = form.querySelectorAll('input[name="attendance"]');
  const kept = new Map(); // what each cleared control held, to put back

  const apply = () => {
    const chosen = form.querySelector('input[name="attendance"]:checked');
    const held = !chosen || chosen.value === ATTENDED;
    for (const name of names) {
      const found = controls(form, name);
      for (const el of found) {
        if (!held && !kept.has(el)) {
          kept.set(el, isChoice(el) ? el.checked : el.value);
          if (isChoice(el)) el.checked = false;
          else el.value = "";
        } else if (held && kept.has(el)) {
          if (isChoice(el)) el.checked = kept.get(el);
          else el.value = kept.get(el);
          kept.delete(el);
        }
      }
      const group = found.length ? found[0].closest(".govuk-form-group") : null;
      if (group) group.hidden = !held;
    }
    // The folded "when and where" line drops the length and place a missed session has not.
    for (const part of form.querySelectorAll("[data-held-only-part]")) part.hidden = !held;
  };

  for (const radio of attendance) radio.addEventListener("change", apply);
  apply();
}
