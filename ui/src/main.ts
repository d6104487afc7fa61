// Entry point: pick the backend, then show sign-in or the app.

import "./tokens.css";
import "./style.css";
import { detectBackend, SIGNED_OUT, type Backend } from "./backend";
import JoinDialog from "./components/JoinDialog.svelte";
import { openDialog } from "./components/mount.svelte";
import { mount } from "./dom";
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
  openDialog(JoinDialog, (close) => ({ backend, link, onclose: close, onjoined: (session: SessionInfo) => void showApp(root, backend, session) }));
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
