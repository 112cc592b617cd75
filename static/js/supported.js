// Marks the page as able to run GOV.UK Frontend's JavaScript (an external file, for the CSP).
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.className += " govuk-frontend-supported";
}
