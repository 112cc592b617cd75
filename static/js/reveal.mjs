// A question that follows from a ticked box is shown only once the box is ticked: the form
// names them as data-reveal="question:box ..." (the session form's safeguarding concern asks
// "What is the concern?" only when a concern was raised). Without JavaScript both show.
for (const form of document.querySelectorAll("form[data-reveal]")) {
  for (const pair of form.dataset.reveal.split(" ").filter(Boolean)) {
    const [question, box] = pair.split(":");
    const control = form.elements.namedItem(question);
    const tick = form.elements.namedItem(box);
    if (!control || !tick) continue;
    const group = control.closest(".govuk-form-group");
    const apply = () => {
      // Never hide an answer already given, or a question with an error on it.
      const needed = tick.checked || control.value.trim() !== "";
      const flagged = group.classList.contains("govuk-form-group--error");
      group.hidden = !(needed || flagged);
    };
    tick.addEventListener("change", apply);
    apply();
  }
}

// A radio's own question (GOV.UK's conditional reveal) shows while that radio is chosen: the
// question names its radio as data-revealed-by (templates/gds/layout/conditional_question.html).
// Without JavaScript every question shows, and the server reads only the chosen one's.
for (const question of document.querySelectorAll("[data-revealed-by]")) {
  const radio = document.getElementById(question.dataset.revealedBy);
  if (!radio || !radio.form) continue;
  const apply = () => {
    question.classList.toggle("govuk-radios__conditional--hidden", !radio.checked);
  };
  for (const other of radio.form.querySelectorAll(`input[type=radio][name="${radio.name}"]`)) {
    other.addEventListener("change", apply);
  }
  // Coming back to the page (the browser's back button) restores which radio was chosen.
  window.addEventListener("pageshow", apply);
  apply();
}
