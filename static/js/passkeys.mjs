// Passkeys (accounts/passkeys.py, docs/sign-in.md): signing in with one, and adding one on the
// "Your sign-in" page, through the browser's own WebAuthn. A file of our own rather than inline
// script, for the Content-Security-Policy. Without WebAuthn (or without JavaScript) the passkey
// parts of the pages stay hidden and the email, password and code still work.

const supported =
  "PublicKeyCredential" in window &&
  navigator.credentials &&
  typeof navigator.credentials.create === "function" &&
  typeof navigator.credentials.get === "function";

const fromBase64url = (text) => {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
};

const toBase64url = (buffer) => {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

const descriptors = (list) => (list || []).map((item) => ({ ...item, id: fromBase64url(item.id) }));

function creationOptions(json) {
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
    excludeCredentials: descriptors(json.excludeCredentials),
  };
}

function requestOptions(json) {
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    allowCredentials: descriptors(json.allowCredentials),
  };
}

function credentialJSON(credential) {
  const { response } = credential;
  const body = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: { clientDataJSON: toBase64url(response.clientDataJSON) },
  };
  if (response.attestationObject) {
    body.response.attestationObject = toBase64url(response.attestationObject);
    body.response.transports = response.getTransports ? response.getTransports() : [];
  } else {
    body.response.authenticatorData = toBase64url(response.authenticatorData);
    body.response.signature = toBase64url(response.signature);
    if (response.userHandle) body.response.userHandle = toBase64url(response.userHandle);
  }
  return body;
}

async function post(url, form, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value,
    },
    body: JSON.stringify(body || {}),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  return { ok: response.ok, data };
}

// The GOV.UK error summary, built from text nodes only: messages never become markup.
function showErrors(container, errors) {
  container.replaceChildren();
  if (!errors.length) return;
  const summary = document.createElement("div");
  summary.className = "govuk-error-summary";
  summary.tabIndex = -1;
  const alert = document.createElement("div");
  alert.setAttribute("role", "alert");
  const title = document.createElement("h2");
  title.className = "govuk-error-summary__title";
  title.textContent = "There is a problem";
  const body = document.createElement("div");
  body.className = "govuk-error-summary__body";
  const list = document.createElement("ul");
  list.className = "govuk-list govuk-error-summary__list";
  for (const { text, target } of errors) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `#${target}`;
    link.textContent = text;
    item.append(link);
    list.append(item);
  }
  body.append(list);
  alert.append(title, body);
  summary.append(alert);
  container.append(summary);
  summary.focus();
}

function browserError(error, adding) {
  if (error && error.name === "InvalidStateError") {
    return "This phone already has a passkey for your account. You can use that one.";
  }
  if (error && error.name === "NotAllowedError") {
    return adding
      ? "No passkey was added: the request was cancelled, timed out, or your phone could not check it is you. Try again."
      : "You did not sign in: the request was cancelled, timed out, or your phone could not check it is you. Try again, or use your email address and password.";
  }
  return adding
    ? "Your browser could not add a passkey. Try again, or keep using your authenticator app."
    : "Your browser could not use a passkey. Sign in with your email address and password instead.";
}

function setBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute("aria-disabled", busy ? "true" : "false");
}

function signIn(form) {
  const errors = document.querySelector("[data-passkey-errors]");
  const button = form.querySelector("button");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setBusy(button, true);
    showErrors(errors, []);
    try {
      const options = await post(form.dataset.optionsUrl, form);
      if (!options.ok) throw new Error("options");
      let credential;
      try {
        credential = await navigator.credentials.get({ publicKey: requestOptions(options.data) });
      } catch (error) {
        showErrors(errors, [{ text: browserError(error, false), target: button.id }]);
        return;
      }
      const next = new URLSearchParams(window.location.search).get("next");
      const url = next ? `${form.action}?next=${encodeURIComponent(next)}` : form.action;
      const answer = await post(url, form, credentialJSON(credential));
      if (answer.ok && answer.data.redirect) {
        window.location.assign(answer.data.redirect);
        return;
      }
      showErrors(errors, [{ text: answer.data.detail || browserError(null, false), target: button.id }]);
    } catch {
      showErrors(errors, [{ text: browserError(null, false), target: button.id }]);
    } finally {
      setBusy(button, false);
    }
  });
}

function enrol(form) {
  const errors = document.querySelector("[data-passkey-errors]");
  const button = form.querySelector("button");
  const name = form.querySelector("input[name=name]");
  const group = name.closest(".govuk-form-group");
  const fieldError = document.createElement("p");
  fieldError.className = "govuk-error-message";
  fieldError.id = `${name.id}-error`;

  function nameError(text) {
    fieldError.remove();
    group.classList.toggle("govuk-form-group--error", Boolean(text));
    name.classList.toggle("govuk-input--error", Boolean(text));
    const described = (name.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== fieldError.id);
    if (text) {
      fieldError.replaceChildren();
      const hidden = document.createElement("span");
      hidden.className = "govuk-visually-hidden";
      hidden.textContent = "Error: ";
      fieldError.append(hidden, text);
      name.before(fieldError);
      described.push(fieldError.id);
    }
    name.setAttribute("aria-describedby", described.join(" "));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showErrors(errors, []);
    nameError("");
    if (!name.value.trim()) {
      const text = "Enter a name for this passkey, such as Work phone";
      nameError(text);
      showErrors(errors, [{ text, target: name.id }]);
      return;
    }
    setBusy(button, true);
    try {
      const options = await post(form.dataset.optionsUrl, form);
      if (!options.ok) throw new Error("options");
      let credential;
      try {
        credential = await navigator.credentials.create({ publicKey: creationOptions(options.data) });
      } catch (error) {
        showErrors(errors, [{ text: browserError(error, true), target: button.id }]);
        return;
      }
      const answer = await post(form.action, form, { name: name.value, credential: credentialJSON(credential) });
      if (answer.ok && answer.data.redirect) {
        window.location.assign(answer.data.redirect);
        return;
      }
      const found = [];
      for (const [field, texts] of Object.entries(answer.data.errors || {})) {
        for (const text of texts) {
          found.push({ text, target: field === "name" ? name.id : button.id });
          if (field === "name") nameError(text);
        }
      }
      showErrors(errors, found.length ? found : [{ text: browserError(null, true), target: button.id }]);
    } catch {
      showErrors(errors, [{ text: browserError(null, true), target: button.id }]);
    } finally {
      setBusy(button, false);
    }
  });
}

if (supported) {
  for (const element of document.querySelectorAll("[data-passkey-supported]")) element.hidden = false;
  for (const element of document.querySelectorAll("[data-passkey-unsupported]")) element.hidden = true;
  for (const form of document.querySelectorAll("form[data-passkey-sign-in]")) signIn(form);
  for (const form of document.querySelectorAll("form[data-passkey-enrol]")) enrol(form);
}
