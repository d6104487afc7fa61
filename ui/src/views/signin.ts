// The sign-in screen: server URL, email, password.

import type { Backend } from "../backend";
import { h } from "../dom";
import { isBackendError, type AppDefaults, type SessionInfo } from "../types";

export function signInView(
  backend: Backend,
  defaults: AppDefaults,
  onSignedIn: (session: SessionInfo) => void,
): HTMLElement {
  const server = h("input", { id: "server-url", name: "server_url", type: "url", required: true, autocomplete: "url" });
  server.value = defaults.server_url;
  const email = h("input", { id: "email", name: "email", type: "email", required: true, autocomplete: "username" });
  email.value = defaults.email;
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    required: true,
    autocomplete: "current-password",
  });
  password.value = defaults.password;
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "signin-error" });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");

  const form = h(
    "form",
    { class: "signin-card", "data-testid": "signin-form", "aria-labelledby": "signin-title" },
    h("div", { class: "brand" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Convene"),
    h("h1", { id: "signin-title" }, "Sign in"),
    backend.hasOfflineCache && h("label", { for: "server-url" }, "Server URL"),
    backend.hasOfflineCache && server,
    h("label", { for: "email" }, "Email"),
    email,
    h("label", { for: "password" }, "Password"),
    password,
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    submit.textContent = "Signing in…";
    try {
      onSignedIn(await backend.signIn(server.value, email.value, password.value));
    } catch (e) {
      error.textContent = isBackendError(e)
        ? e.code === "offline"
          ? `Cannot reach ${server.value}. Check the server URL and your connection.`
          : e.message
        : String(e);
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  });
  if (defaults.auto_sign_in && defaults.email && defaults.password) {
    queueMicrotask(() => form.requestSubmit());
  }
  return h("div", { class: "signin-screen" }, form);
}
