// The one interface the UI talks to. Two implementations: Tauri IPC (desktop, offline cache) and
// HTTP (contacts in a browser). Nothing outside src/backends/ knows which one is in use.

import type { AppDefaults, Conversation, SessionInfo, SyncOutcome } from "./types";

export interface Backend {
  /** Whether reads come from an offline cache (desktop) or straight from the server (browser). */
  readonly hasOfflineCache: boolean;
  defaults(): Promise<AppDefaults>;
  session(): Promise<SessionInfo | null>;
  signIn(serverUrl: string, email: string, password: string): Promise<SessionInfo>;
  signOut(): Promise<void>;
  cachedConversations(): Promise<Conversation[]>;
  refresh(): Promise<SyncOutcome>;
  createConversation(subject: string): Promise<Conversation>;
}

/** Picks the backend for where the UI runs. */
export async function detectBackend(): Promise<Backend> {
  if (typeof window !== "undefined" && "__TAURI_INTERNALS__" in window) {
    const { TauriBackend } = await import("./backends/tauri");
    return new TauriBackend();
  }
  const { HttpBackend } = await import("./backends/http");
  return new HttpBackend(window.location.origin, window.sessionStorage);
}
