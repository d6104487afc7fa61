// The desktop backend: every call is an IPC command of the Convene shell, served from its offline cache.
// This is the only module that imports @tauri-apps/*.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { Backend, EmailLinkSent } from "../backend";
import type {
  Agent,
  AppDefaults,
  Contact,
  Conversation,
  ConversationScreen,
  CoreEvent,
  Crew,
  CrewChoice,
  Home,
  OutboxAction,
  RefreshOutcome,
  SessionInfo,
  ShareLink,
  TeamRequest,
  QueueOutcome,
  SearchHit,
  AuditFilter,
  AuditFormat,
} from "../types";

export class TauriBackend implements Backend {
  readonly hasOfflineCache = true;

  defaults(): Promise<AppDefaults> {
    return invoke("app_defaults");
  }
  session(): Promise<SessionInfo | null> {
    return invoke("session_state");
  }
  signIn(serverUrl: string, email: string, password: string, accountId?: string): Promise<SessionInfo> {
    return invoke("sign_in", { serverUrl, email, password, accountId: accountId ?? null });
  }
  signOut(): Promise<void> {
    return invoke("sign_out");
  }
  cachedConversations(): Promise<Conversation[]> {
    return invoke("cached_conversations");
  }
  refresh(): Promise<RefreshOutcome> {
    return invoke("refresh");
  }
  createConversation(subject: string): Promise<Conversation> {
    return invoke("create_conversation", { subject });
  }
  home(): Promise<Home> {
    return invoke("home");
  }
  conversation(id: string, messages?: number): Promise<ConversationScreen | null> {
    return invoke("conversation_screen", { id, messages: messages ?? null });
  }
  async markRead(id: string): Promise<void> {
    await invoke("mark_read", { id });
  }
  setMuted(id: string, muted: boolean): Promise<void> {
    return invoke("set_muted", { id, muted });
  }
  loadOlder(id: string): Promise<number> {
    return invoke("load_older", { id });
  }
  queue(action: OutboxAction): Promise<QueueOutcome> {
    return invoke("queue_action", { action });
  }
  postMessage(conversationId: string, body: string): Promise<number> {
    return invoke("post_message", { conversationId, body });
  }
  dismiss(seq: number): Promise<boolean> {
    return invoke("dismiss_action", { seq });
  }
  retry(seq: number): Promise<boolean> {
    return invoke("retry_action", { seq });
  }
  searchAgents(q: string): Promise<Agent[]> {
    return invoke("search_agents", { q });
  }
  searchContacts(q: string): Promise<Contact[]> {
    return invoke("search_contacts", { q });
  }
  crewChoices(conversationId: string): Promise<CrewChoice[]> {
    return invoke("crew_choices", { conversationId });
  }
  crews(): Promise<Crew[]> {
    return invoke("crews");
  }
  shareLink(conversationId: string): Promise<ShareLink> {
    return invoke("share_link", { conversationId });
  }
  copyShareLink(conversationId: string): Promise<string> {
    return invoke("copy_share_link", { conversationId });
  }
  onEvent(handler: (event: CoreEvent) => void): void {
    listenWithEarly("convene-event", handler);
  }
  onJoinLink(handler: (link: { token: string; server_url: string }) => void): void {
    listenWithEarly("convene-join", handler);
  }
  joinLink(serverUrl: string, token: string, name: string | null, email: string | null): Promise<SessionInfo> {
    return invoke("join_link", { serverUrl, token, name, email });
  }
  requestPasswordReset(serverUrl: string, email: string): Promise<EmailLinkSent> {
    return invoke("password_reset", { serverUrl, email });
  }
  team(request: TeamRequest): Promise<unknown> {
    return invoke("team_request", { request });
  }
  exportAudit(filter: AuditFilter, format: AuditFormat): Promise<string> {
    return invoke("export_audit", { filter, format });
  }
  searchConversations(q: string): Promise<SearchHit[] | null> {
    return invoke("search_conversations", { q });
  }
  changePassword(current: string, next: string): Promise<void> {
    return invoke("change_password", { current, new: next });
  }
  doNotDisturb(): Promise<string | null> {
    return invoke("do_not_disturb");
  }
  setDoNotDisturb(until: string | null): Promise<void> {
    return invoke("set_do_not_disturb", { until });
  }
  startupRendered(conversations: number): Promise<void> {
    return invoke("startup_rendered", { conversations });
  }
  onOpenConversation(handler: (id: string) => void): void {
    void listen<string>("convene-open", (e) => handler(e.payload));
  }
}

/**
 * Listens to a shell event, then collects what the shell sent before anyone listened (a
 * `convene://` link the app was started with is handled before this page has loaded).
 */
function listenWithEarly<T>(event: string, handler: (payload: T) => void): void {
  void listen<T>(event, (e) => handler(e.payload))
    .then(() => invoke<T[]>("take_early_events", { event }))
    .then((early) => early.forEach(handler))
    .catch(() => undefined);
}
