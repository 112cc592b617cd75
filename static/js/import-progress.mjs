// While an import is being checked or saved, its page shows how far it has got without being
// reloaded by hand: it asks the progress address every two seconds, updates the bar and the
// sentence (a polite live region, so a screen reader hears it), and shows what the job found
// when it ends. Without JavaScript the page's own "Refresh" link does the same.
const box = document.querySelector("[data-import-progress]");
if (box) {
  const bar = box.querySelector("progress");
  const status = box.querySelector("[role=status]");
  const poll = async () => {
    try {
      const answer = await fetch(box.dataset.importProgress, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (answer.ok) {
        const state = await answer.json();
        if (state.finished) {
          window.location.reload();
          return;
        }
        if (state.total) bar.max = state.total;
        bar.value = state.done;
        bar.textContent = `${state.percent}%`;
        status.textContent = state.sentence;
      }
    } catch {
      // A dropped connection: try again on the next round.
    }
    window.setTimeout(poll, 2000);
  };
  window.setTimeout(poll, 2000);
}
