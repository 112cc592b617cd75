// A 0 to 10 score is a row of radio buttons (templates/gds/layout/radios.html). A radio once
// chosen cannot be unchosen by tapping it again, so each scale gets a "Clear" button, for a
// score tapped by mistake where none should be given. Without JavaScript the button stays
// hidden and a score can be changed but not removed.
for (const scale of document.querySelectorAll('[data-module="app-scale"]')) {
  const clear = scale.querySelector(".app-scale__clear");
  const radios = scale.querySelectorAll(".app-scale__input");
  const show = () => {
    clear.hidden = !Array.from(radios).some((radio) => radio.checked);
  };
  clear.addEventListener("click", () => {
    for (const radio of radios) radio.checked = false;
    radios[0].dispatchEvent(new Event("change", { bubbles: true })); // drafts see the change
    show();
    radios[0].focus();
  });
  for (const radio of radios) radio.addEventListener("change", show);
  show();
}
