// "Signed out — sign in again": the dialog the connection status offers when the server ended the
// session (signed out elsewhere, suspended, expired). The cached conversations stay on screen behind
// it and the queued actions stay queued; the core decides what a sign-in keeps (the same person
// keeps everything and the queue is sent, anybody else starts from an empty cache), the dialog only
// says so.

import type { Backend } from "../backend";
import { h } from "../dom";
import { LIMITS } from "../generated/types";
import { isBackendError, type SessionInfo } from "../types";
import { accountPicker } from "./signin";

/** Opens the dialog; `onSignedIn` gets the new session once the server accepted the password. */
export function signInAgainDialog(backend: Backend, session: SessionInfo, pending: number, onSignedIn: (next: SessionInfo) => void): void {
  document.getElementById("sign-in-again")?.remove();
  const me = session.me;
  const cancel = h("button", { type: "button" }, "Cancel");
  const kept = pending
    ? `Your cached conversations and ${pending === 1 ? "1 queued action" : `${pending} queued actions`} are kept and sent once you are back.`
    : "Your cached conversations are kept.";
  const body: (HTMLElement | string)[] = [h("h2", { id: "again-title" }, "Signed out — sign in again"), h("p", { id: "again-text" }, `The server ended your session on ${session.server_url} (signed out elsewhere, or it expired). ${kept}`)];
  const backdrop = h("div", { class: "dialog-backdrop", id: "sign-in-again" });
  const close = () => backdrop.remove();
  cancel.addEventListener("click", close);
  backdrop.addEventListener("keydown", (e) => {
    if ((e as KeyboardEvent).key === "Escape") {
      e.preventDefault();
      close();
    }
  });
  if (me.kind === "contact") {
    // Contacts have no password: they come back through the link they were sent.
    body.push(h("p", {}, "Open the link in your invite email again, or ask for a new sign-in link on the page it opens."), h("div", { class: "dialog-buttons" }, cancel));
    backdrop.append(h("div", { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "again-title", "data-testid": "sign-in-again" }, ...body));
    document.body.append(backdrop);
    cancel.focus();
    return;
  }
  const email = h("input", { id: "again-email", type: "email", autocomplete: "username", required: true, maxlength: String(LIMITS.email) });
  email.value = me.email;
  const password = h("input", { id: "again-password", type: "password", autocomplete: "current-password", required: true });
  const other = h("p", { class: "muted", "data-testid": "again-other-person" });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "again-error" });
  const teams = accountPicker();
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const showOther = () => {
    const someoneElse = email.value.trim().toLowerCase() !== me.email.toLowerCase();
    other.textContent = someoneElse ? `Signing in as someone else deletes ${me.name}'s cached conversations and queued actions from this computer.` : "";
  };
  email.addEventListener("input", () => {
    showOther();
    teams.clear();
  });
  const form = h(
    "form",
    { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "again-title", "aria-describedby": "again-text", "data-testid": "sign-in-again" },
    ...body,
    h("label", { for: "again-email" }, "Email"),
    email,
    h("label", { for: "again-password" }, "Password"),
    password,
    teams.element,
    other,
    error,
    h("div", { class: "dialog-buttons" }, cancel, submit),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      // The same person comes back to the same account (their email may open several).
      const same = email.value.trim().toLowerCase() === me.email.toLowerCase();
      const next = await backend.signIn(session.server_url, email.value.trim(), password.value, same ? me.account_id : teams.selected());
      close();
      onSignedIn(next);
    } catch (err) {
      if (isBackendError(err) && err.code === "choose_account" && err.accounts?.length) {
        teams.offer(err.accounts);
        error.textContent = "This email and password sign in to more than one team. Choose one, then Sign in.";
      } else {
        error.textContent = isBackendError(err) ? err.message : String(err);
      }
    } finally {
      submit.disabled = false;
    }
  });
  backdrop.append(form);
  document.body.append(backdrop);
  password.focus();
}
