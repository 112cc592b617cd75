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
