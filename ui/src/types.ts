// The UI's types. Everything that crosses the wire, over IPC from the desktop core or over HTTP
// from the server, is generated from the Rust types (./generated/types.ts: `cargo xtask types`;
// the test command fails while it is stale). Here only what the desktop shell adds, and names the
// views use.

import type { AccountChoice, ConversationSnapshot, InviteeKind, SyncOutcome } from "./generated/types";

export type * from "./generated/types";

/** Who a participant, author or invitee is. */
export type Kind = InviteeKind;

/** The conversation's rows as a screen shows them (the cached or served snapshot). */
export type ConversationView = ConversationSnapshot;

/** What a refresh tells the UI (the list itself is read through `home`); the shell's. */
export type RefreshOutcome = Omit<SyncOutcome, "conversations">;

/** The sign-in form's pre-filled values (the shell's `app_defaults`). */
export interface AppDefaults {
  server_url: string;
  email: string;
  password: string;
  /** Sign in with these values at once (the run command's demo). */
  auto_sign_in: boolean;
}

/** What every backend call rejects with (the shell's `CommandError`, or the web client's reading of a problem). */
export interface BackendError {
  code: string;
  message: string;
  field: string | null;
  /** With `choose_account`: the accounts this email and password sign in to. */
  accounts?: AccountChoice[];
}

export function isBackendError(value: unknown): value is BackendError {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}
