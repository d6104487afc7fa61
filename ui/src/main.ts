// Entry point: pick the backend, then show sign-in or the app.

import "./tokens.css";
import "./style.css";
import { detectBackend, SIGNED_OUT, type Backend } from "./backend";
import { h, mount } from "./dom";
import { LIMITS } from "./generated/types";
import { isBackendError } from "./types";
import { AppView } from "./views/app";
import { signInView } from "./views/signin";
import type { SessionInfo } from "./types";

async function showSignIn(root: HTMLElement, backend: Backend, notice: string | null = null): Promise<void> {
  const defaults = await backend.defaults();
  mount(root, signInView(backend, defaults, (session) => void showApp(root, backend, session), notice));
}

async function showApp(root: HTMLElement, backend: Backend, session: SessionInfo): Promise<void> {
  const view = new AppView(backend, session, () => void showSignIn(root, backend));
  mount(root, view.element);
  await view.start();
  // The web client opens on the conversation a join led to (`/app/#/c/{id}`).
  const linked = /^#\/c\/([0-9a-f-]{36})$/.exec(window.location.hash);
  if (linked?.[1]) await view.open(linked[1]);
}

/** A `convene://join` link: ask for a name and email (needed for Shareable Links) and join. */
function joinDialog(root: HTMLElement, backend: Backend, link: { token: string; server_url: string }): void {
  const name = h("input", { id: "join-name", autocomplete: "name", maxlength: String(LIMITS.name) });
  const email = h("input", { id: "join-email", type: "email", autocomplete: "email", maxlength: String(LIMITS.email) });
  const error = h("p", { class: "form-error", role: "alert" });
  const join = h("button", { type: "submit", class: "primary" }, "Join conversation");
  const cancel = h("button", { type: "button" }, "Cancel");
  const form = h(
    "form",
    { class: "dialog", "aria-labelledby": "join-title" },
    h("h2", { id: "join-title" }, "Join conversation"),
    h("p", {}, `You opened a link to a conversation on ${link.server_url}. If it is a Shareable Link, say who you are.`),
    h("label", { for: "join-name" }, "Your name"),
    name,
    h("label", { for: "join-email" }, "Your email"),
    email,
    error,
    h("div", { class: "dialog-buttons" }, cancel, join),
  );
  const backdrop = h("div", { class: "dialog-backdrop" }, form);
  cancel.addEventListener("click", () => backdrop.remove());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const session = await backend.joinLink(link.server_url, link.token, name.value.trim() || null, email.value.trim() || null);
      backdrop.remove();
      await showApp(root, backend, session);
    } catch (err) {
      error.textContent = isBackendError(err) ? err.message : String(err);
    }
  });
  document.body.append(backdrop);
  name.focus();
}

async function start(): Promise<void> {
  const root = document.getElementById("app");
  if (!root) return;
  const backend = await detectBackend();
  backend.onJoinLink((link) => joinDialog(root, backend, link));
  // A session the server stopped accepting (401) is "Signed out", never "Offline".
  backend.onSignedOut?.(() => void showSignIn(root, backend, SIGNED_OUT));
  const session = await backend.session().catch(() => null);
  if (session) {
    await showApp(root, backend, session);
  } else {
    await showSignIn(root, backend, backend.sessionEnded?.() ? SIGNED_OUT : null);
  }
}

void start();
