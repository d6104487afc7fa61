// Opens "Signed out — sign in again" (components/SignInAgain.svelte) over the window.

import { mount, unmount } from "svelte";
import type { Backend } from "../backend";
import SignInAgain from "../components/SignInAgain.svelte";
import type { SessionInfo } from "../types";

let open: { destroy: () => void } | null = null;

/** Opens the dialog; `onSignedIn` gets the new session once the server accepted the password. */
export function signInAgainDialog(backend: Backend, session: SessionInfo, pending: number, onSignedIn: (next: SessionInfo) => void): void {
  open?.destroy();
  const host = document.createElement("div");
  host.className = "dialog-host";
  document.body.append(host);
  const close = () => {
    if (open !== dialog) return;
    open = null;
    void unmount(instance);
    host.remove();
  };
  const instance = mount(SignInAgain, { target: host, props: { backend, session, pending, onsignedin: onSignedIn, onclose: close } });
  const dialog = { destroy: close };
  open = dialog;
}
