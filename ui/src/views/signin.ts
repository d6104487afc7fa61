// The sign-in screen (components/SignIn.svelte), mounted for the entry point.

import { mount } from "svelte";
import type { Backend } from "../backend";
import SignIn from "../components/SignIn.svelte";
import type { AppDefaults, SessionInfo } from "../types";

/** The sign-in screen in an element of its own. */
export function signInView(backend: Backend, defaults: AppDefaults, onSignedIn: (session: SessionInfo) => void, notice: string | null = null): HTMLElement {
  const root = document.createElement("div");
  root.className = "signin-root";
  mount(SignIn, { target: root, props: { backend, defaults, onsignedin: onSignedIn, notice } });
  return root;
}
