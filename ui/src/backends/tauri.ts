// The desktop backend: every call is an IPC command of the Convene shell, served from its offline cache.
// This is the only module that imports @tauri-apps/*.

import { invoke } from "@tauri-apps/api/core";
import type { Backend } from "../backend";
import type { AppDefaults, Conversation, SessionInfo, SyncOutcome } from "../types";

export class TauriBackend implements Backend {
  readonly hasOfflineCache = true;

  defaults(): Promise<AppDefaults> {
    return invoke("app_defaults");
  }
  session(): Promise<SessionInfo | null> {
    return invoke("session_state");
  }
  signIn(serverUrl: string, email: string, password: string): Promise<SessionInfo> {
    return invoke("sign_in", { serverUrl, email, password });
  }
  signOut(): Promise<void> {
    return invoke("sign_out");
  }
  cachedConversations(): Promise<Conversation[]> {
    return invoke("cached_conversations");
  }
  refresh(): Promise<SyncOutcome> {
    return invoke("refresh");
  }
  createConversation(subject: string): Promise<Conversation> {
    return invoke("create_conversation", { subject });
  }
}
