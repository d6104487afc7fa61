// The one interface the UI talks to. Two implementations: Tauri IPC (desktop, offline cache) and
// HTTP (contacts in a browser). Nothing outside src/backends/ knows which one is in use.

import type {
  Agent,
  AppDefaults,
  BackendError,
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
} from "./types";

/** What the web client says when the server no longer knows its session (HTTP 401). */
export const SIGNED_OUT = "Signed out — sign in again";

/** "Email me a sign-in link" was accepted: the same answer whether or not the address is known. */
export interface EmailLinkSent {
  message: string;
}

/** A refusal for going too fast (HTTP 429), with the server's `Retry-After` in seconds when it sent one. */
export interface RateLimitedError extends BackendError {
  code: "rate_limited";
  retry_after_secs: number | null;
}

export function isRateLimited(e: unknown): e is RateLimitedError {
  return typeof e === "object" && e !== null && (e as BackendError).code === "rate_limited";
}

export interface Backend {
  /** Whether reads come from an offline cache (desktop) or straight from the server (browser). */
  readonly hasOfflineCache: boolean;
  defaults(): Promise<AppDefaults>;
  session(): Promise<SessionInfo | null>;
  /** `accountId` picks one of the accounts a `choose_account` refusal listed. */
  signIn(serverUrl: string, email: string, password: string, accountId?: string): Promise<SessionInfo>;
  signOut(): Promise<void>;
  cachedConversations(): Promise<Conversation[]>;
  refresh(): Promise<RefreshOutcome>;
  createConversation(subject: string): Promise<Conversation>;
  home(): Promise<Home>;
  /** A conversation's screen with its newest `messages` messages (a page when absent). */
  conversation(id: string, messages?: number): Promise<ConversationScreen | null>;
  /** The user has read the conversation up to its newest message (every device of theirs follows). */
  markRead(id: string): Promise<void>;
  /** Mutes or unmutes a conversation: no notifications for its messages, not in the badge. */
  setMuted(id: string, muted: boolean): Promise<void>;
  /** Fetches older messages than those a screen holds, when no more are at hand; answers how many came. */
  loadOlder(id: string): Promise<number>;
  /** Sends an action (the desktop queues it durably first) and answers what became of it: sent,
   * refused, waiting for the server's `Retry-After`, or queued until the server is reachable. */
  queue(action: OutboxAction): Promise<QueueOutcome>;
  postMessage(conversationId: string, body: string): Promise<number>;
  dismiss(seq: number): Promise<boolean>;
  retry(seq: number): Promise<boolean>;
  searchAgents(q: string): Promise<Agent[]>;
  searchContacts(q: string): Promise<Contact[]>;
  crews(): Promise<Crew[]>;
  /** Request Service's crews for a conversation, each with the user's verdict (from Rust). */
  crewChoices(conversationId: string): Promise<CrewChoice[]>;
  shareLink(conversationId: string): Promise<ShareLink>;
  /** Puts the Shareable Link on the clipboard (by the app on desktop) and answers the URL. */
  copyShareLink(conversationId: string): Promise<string>;
  /** Subscribes to core events, to "open this conversation" requests, and to join links. */
  onEvent(handler: (event: CoreEvent) => void): void;
  onOpenConversation(handler: (id: string) => void): void;
  /** `convene://join` links opened while the app runs (desktop only). */
  onJoinLink(handler: (link: { token: string; server_url: string }) => void): void;
  /** Redeems a join link and continues as that contact. */
  joinLink(serverUrl: string, token: string, name: string | null, email: string | null): Promise<SessionInfo>;
  /** The Admin area's team operations (online only); answers the server's JSON (see ./team.ts). */
  team(request: TeamRequest): Promise<unknown>;
  /** Saves the audit log's export (everything matching `filter`): into the Downloads folder on
   * desktop, as a browser download on the web. Answers where it went (path or file name). */
  exportAudit(filter: AuditFilter, format: AuditFormat): Promise<string>;
  /** The list's search over the offline cache (desktop): conversations whose subject, people or
   * messages hold every word, best first, with marked snippets. `null` where there is no cache
   * (the browser): the list then filters by subject. */
  searchConversations(q: string): Promise<SearchHit[] | null>;
  /** "Change password" (agents): the server checks the current one; other sessions end. */
  changePassword(current: string, next: string): Promise<void>;
  /** Startup telemetry: the conversation list (of `conversations` entries) was painted for the first time. */
  startupRendered(conversations: number): Promise<void>;
  /** Do not disturb (desktop): until when native notifications are held back (RFC 3339), or null. */
  doNotDisturb(): Promise<string | null>;
  /** Holds notifications back until `until` (RFC 3339), or switches them on again (null). */
  setDoNotDisturb(until: string | null): Promise<void>;
  /**
   * Contacts' way back in (browser only): asks the server to email a one-time sign-in link to
   * `email`. Resolves the same way whether or not the address is known; rejects with a
   * `RateLimitedError` when asked too often.
   */
  requestEmailLink?(email: string): Promise<EmailLinkSent>;
  /** Team members' "Forgot password?": the server emails a link to choose a new password. */
  requestPasswordReset(serverUrl: string, email: string): Promise<EmailLinkSent>;
  /**
   * Called once when the server stops accepting the session (401 from the API or the stream:
   * expired, signed out elsewhere, or a guest session ended by proving the email).
   */
  onSignedOut?(handler: () => void): void;
  /** Whether this browser had a session that has since ended (so the sign-in screen says so). */
  sessionEnded?(): boolean;
}

/** Picks the backend for where the UI runs. */
export async function detectBackend(): Promise<Backend> {
  if (typeof window !== "undefined" && "__TAURI_INTERNALS__" in window) {
    const { TauriBackend } = await import("./backends/tauri");
    return new TauriBackend();
  }
  const { HttpBackend } = await import("./backends/http");
  return new HttpBackend(window.location.origin, window.sessionStorage, window.localStorage);
}
