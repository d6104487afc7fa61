// Entry point: pick the backend, then show sign-in or the conversation list.

import "./style.css";
import { detectBackend, type Backend } from "./backend";
import { mount } from "./dom";
import { listView } from "./views/list";
import { signInView } from "./views/signin";
import type { SessionInfo } from "./types";

async function showSignIn(root: HTMLElement, backend: Backend): Promise<void> {
  const defaults = await backend.defaults();
  mount(root, signInView(backend, defaults, (session) => void showList(root, backend, session)));
}

async function showList(root: HTMLElement, backend: Backend, session: SessionInfo): Promise<void> {
  const view = listView(backend, session, () => void showSignIn(root, backend));
  mount(root, view.element);
  await view.refresh();
}

async function start(): Promise<void> {
  const root = document.getElementById("app");
  if (!root) return;
  const backend = await detectBackend();
  const session = await backend.session().catch(() => null);
  if (session) {
    await showList(root, backend, session);
  } else {
    await showSignIn(root, backend);
  }
}

void start();
