// Small pieces the screens share: permission lookups, toasts, dialogs. (A disabled control
// with its reason is the Guarded component.)

import { flushSync, mount } from "svelte";
import ConfirmDialog from "../components/ConfirmDialog.svelte";
import ChoiceDialog from "../components/ChoiceDialog.svelte";
import Toast from "../components/Toast.svelte";
import { toastState } from "../components/toast.svelte";
import { openDialog } from "../components/mount.svelte";
import { isBackendError, type ConversationScreen, type PolicyAction } from "../types";

/** Whether the user may do `action` here, and who may when not. */
export function can(screen: ConversationScreen, action: PolicyAction): { allowed: boolean; why: string } {
  const p = screen.verdicts.permissions.find((x) => x.action === action);
  // The sentence is Rust's (convene_proto::policy::refusal), as for every other verdict.
  return { allowed: p?.allowed ?? false, why: p ? (p.why ?? "") : "Not available here" };
}

let toastTimer: number | undefined;

/** A short confirmation at the bottom of the window ("Link copied to the clipboard"). */
export function toast(message: string, kind: "ok" | "error" = "ok"): void {
  if (!document.getElementById("toast")) mount(Toast, { target: document.body });
  Object.assign(toastState, { message, kind, shown: true });
  flushSync();
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (toastState.shown = false), 4000);
}

/** The message of whatever a backend call rejected with. */
export function messageOf(e: unknown): string {
  return isBackendError(e) ? e.message : String(e);
}

/** Asks a question with several answers (components/ChoiceDialog.svelte); resolves the answer
 * picked, or null for Cancel/Esc. The last answer is the dangerous one. */
export function choiceDialog(title: string, text: string, choices: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    openDialog(ChoiceDialog, (done) => ({
      title,
      text,
      choices,
      onanswer: (choice: string | null) => {
        done();
        resolve(choice);
      },
    }));
  });
}

/** Asks for confirmation in a modal dialog (components/ConfirmDialog.svelte); resolves true on confirm. */
export function confirmDialog(title: string, text: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    openDialog(ConfirmDialog, (done) => ({
      title,
      text,
      confirmLabel,
      onanswer: (yes: boolean) => {
        done();
        resolve(yes);
      },
    }));
  });
}
