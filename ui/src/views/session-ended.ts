// Opens "Signed out — sign in again" (components/SignInAgain.svelte) over the window.

import type { Backend } from "../backend";
import SignInAgain from "../components/SignInAgain.svelte";
import { openDialog } from "../components/mount.svelte";
import type { SessionInfo } from "../types";

let closeOpen: (() => void) | null = null;

/** Opens the dialog; `onSignedIn` gets the new session once the server accepted the password. */
export function signInAgainDialog(backend: Backend, session: SessionInfo, pending: number, onSignedIn: (next: SessionInfo) => void): void {
  closeOpen?.();
  closeOpen = openDialog(SignInAgain, (close) => ({ backend, session, pending, onsignedin: onSignedIn, onclose: close }));
}
