// Entry point: pick the backend, then show sign-in or the app.

import "./style.css";
import { detectBackend, type Backend } from "./backend";
import { mount } from "./dom";
import { AppView } from "./views/app";
import { signInView } from "./views/signin";
import type { SessionInfo } from "./types";

async function showSignIn(root: HTMLElement, backend: Backend): Promise<void> {
  const defaults = await backend.defaults();
  mount(root, signInView(backend, defaults, (session) => void showApp(root, backend, session)));
}

async function showApp(root: HTMLElement, backend: Backend, session: SessionInfo): Promise<void> {
  const view = new AppView(backend, session, () => void showSignIn(root, backend));
  mount(root, view.element);
  await view.start();
}

async function start(): Promise<void> {
  const root = document.getElementById("app");
  if (!root) return;
  const backend = await detectBackend();
  const session = await backend.session().catch(() => null);
  if (session) {
    await showApp(root, backend, session);
  } else {
    await showSignIn(root, backend);
  }
}

void start();
