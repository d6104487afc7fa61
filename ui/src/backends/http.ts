// The browser backend: plain fetch against the Convene HTTP API, with no offline cache.
//
// Sessions: an agent's is a bearer token kept in sessionStorage; a contact's is the HttpOnly cookie
// the join page or a sign-in link set. Either can end behind the page's back (expiry, sign-out
// elsewhere, a guest session ended when the email was proven): the first 401 on a call made with a
// session, or on the stream, reports "signed out" once and stops the stream, so the UI shows the
// sign-in screen instead of retrying or calling it "Offline".

import { auditFileName, auditQuery, type AuditFilterInput } from "../team";
import { SIGNED_OUT, type Backend, type EmailLinkSent, type RateLimitedError } from "../backend";
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
  HomeList,
  Me,
  Message,
  MessagePage,
  OutboxAction,
  ScreenPage,
  SessionInfo,
  ShareLink,
  TeamRequest,
  QueueOutcome,
  SearchHit,
  AuditFilter,
  AuditFormat,
  SyncOutcome,
  Invite,
  InviteOutcome,
} from "../types";


const TOKEN_KEY = "convene.token";

/** How long after a cookie session's 401 to ask again who the browser is signed in as. */
const RECHECK_MS = 400;

const isGuest = (me: Me) => me.kind === "contact" && me.email_verified === false;

/** The same person, in the same standing (a guest who proved their email is someone new). */
const samePerson = (a: Me, b: Me) => a.kind === b.kind && a.id === b.id && isGuest(a) === isGuest(b);
/** Set while this browser holds a session (cleared by "Sign out"): a later 401 means it ended. */
const HAD_SESSION_KEY = "convene.had-session";

/** How a call treats the session: `session` calls report a 401 as signed out; `anonymous` ones
 * (sign-in, sign-in links, joining) neither send the token nor treat a 401 as the session ending;
 * `quiet` ones send it but stay silent (signing out of a session that is already gone). */
type CallMode = "session" | "anonymous" | "quiet";

export class HttpBackend implements Backend {
  readonly hasOfflineCache = false;
  private signedOutHandler: (() => void) | null = null;
  /** Set by the first 401 of a session; cleared when a new session starts. */
  private signedOut = false;
  /** Bumped whenever a session ends, so a stream loop of an earlier session stops. */
  private generation = 0;
  private ended = false;
  /** A cookie session's 401 is being double-checked (see `sessionGone`). */
  private confirming = false;
  /** Who this page is signed in as. */
  private me: Me | null = null;
  /** Request Service's crews from the last screen read, with its conversation. */
  private lastCrews: { conversation: string; crews: CrewChoice[] } | null = null;
  /** Where core events go (set by `onEvent`). */
  private notify: ((event: CoreEvent) => void) | null = null;

  constructor(
    private readonly origin: string,
    private readonly storage: Storage,
    /** Survives closing the tab (sessionStorage does not), like the contact's cookie. */
    private readonly durable: Storage = storage,
    /** Starts the page over (when the browser's cookie now belongs to someone else). */
    private readonly restart: () => void = () => window.location.reload(),
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, mode: CallMode = "session"): Promise<T> {
    const response = await this.send(method, path, body, mode);
    return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
  }

  /** One request with the session as `mode` says; answers a successful response, throws the
   * server's problem as a `BackendError` otherwise. */
  private async send(method: string, path: string, body: unknown, mode: CallMode, accept = "application/json"): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    const token = this.storage.getItem(TOKEN_KEY);
    if (token && mode !== "anonymous") headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${this.origin}/api/v1${path}`, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw { code: "offline", message: "Cannot reach the server. Check your connection; Convene tries again by itself.", field: null } satisfies BackendError;
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      if (response.status === 401 && mode === "session") {
        this.sessionGone(Boolean(headers.Authorization));
        throw { code: "unauthenticated", message: SIGNED_OUT, field: null } satisfies BackendError;
      }
      const error: BackendError = {
        code: problem?.code ?? "refused",
        message: problem?.detail ?? problem?.title ?? `HTTP ${response.status}`,
        field: problem?.field ?? null,
        ...(Array.isArray(problem?.accounts) ? { accounts: problem.accounts } : {}),
      };
      if (response.status === 429) {
        const retry = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
        throw { ...error, code: "rate_limited", retry_after_secs: Number.isFinite(retry) ? retry : null } satisfies RateLimitedError;
      }
      throw error;
    }
    return response;
  }

  /**
   * The server refused this session (401). A bearer session is over. A cookie session may instead
   * have been replaced a moment ago: proving a guest's email in another tab signs the whole browser
   * in as the proven contact, while this tab's call still carried the guest's cookie. So ask once
   * more after the cookie settled: someone else now means start over as them.
   */
  private sessionGone(bearer: boolean): void {
    this.storage.removeItem(TOKEN_KEY);
    if (this.signedOut || this.confirming) return;
    if (bearer) return this.declareSignedOut();
    this.confirming = true;
    window.setTimeout(async () => {
      const me = await this.call<Me>("GET", "/me", undefined, "quiet").catch(() => null);
      this.confirming = false;
      if (this.signedOut) return;
      if (me && this.me && !samePerson(me, this.me)) {
        this.generation += 1;
        this.restart();
      } else if (!me) {
        this.declareSignedOut();
      }
    }, RECHECK_MS);
  }

  /** Signed out: forget the session, stop its stream, say so once. */
  private declareSignedOut(): void {
    if (this.signedOut) return;
    this.signedOut = true;
    this.ended = true;
    this.generation += 1;
    this.signedOutHandler?.();
  }

  /** A session started (signed in, joined, or found at start). */
  private sessionStarted(me: Me): void {
    this.me = me;
    this.signedOut = false;
    this.ended = false;
    this.durable.setItem(HAD_SESSION_KEY, "1");
  }

  onSignedOut(handler: () => void): void {
    this.signedOutHandler = handler;
  }

  sessionEnded(): boolean {
    return this.ended;
  }

  async requestEmailLink(email: string): Promise<EmailLinkSent> {
    return this.call<EmailLinkSent>("POST", "/auth/email-link", { email }, "anonymous");
  }

  async defaults(): Promise<AppDefaults> {
    return { server_url: this.origin, email: "", password: "", auto_sign_in: false };
  }

  async session(): Promise<SessionInfo | null> {
    // The session is an HttpOnly cookie (set when a contact joined or an agent signed in here), or
    // a token here (a join link redeemed by the web client itself).
    try {
      const me = await this.call<Me>("GET", "/me", undefined, "quiet");
      this.sessionStarted(me);
      return { server_url: this.origin, me };
    } catch (e) {
      this.storage.removeItem(TOKEN_KEY);
      // A 401 where this browser had a session: it ended (expired, or ended elsewhere).
      this.ended = (e as BackendError).code === "unauthenticated" && this.durable.getItem(HAD_SESSION_KEY) !== null;
      return null;
    }
  }

  async signIn(_serverUrl: string, email: string, password: string, accountId?: string): Promise<SessionInfo> {
    const body = accountId ? { email, password, account_id: accountId } : { email, password };
    const answer = await this.call<{ token: string; me: Me }>("POST", "/auth/login", body, "anonymous");
    // The server set the session as an HttpOnly cookie (this page is its own origin): the calls and
    // the realtime stream then always speak for the same person. No token is kept here.
    this.storage.removeItem(TOKEN_KEY);
    this.sessionStarted(answer.me);
    return { server_url: this.origin, me: answer.me };
  }

  async signOut(): Promise<void> {
    // Stop this session's stream first, so its closing is not taken for the session ending.
    this.generation += 1;
    this.signedOut = true;
    try {
      await this.call<void>("POST", "/auth/logout", undefined, "quiet");
    } finally {
      this.storage.removeItem(TOKEN_KEY);
      this.durable.removeItem(HAD_SESSION_KEY);
      this.ended = false;
    }
  }

  async cachedConversations(): Promise<Conversation[]> {
    return [];
  }

  async refresh(): Promise<SyncOutcome> {
    try {
      const list = await this.call<{ conversations: Conversation[] }>("GET", "/conversations");
      return { online: true, signed_out: false, error: null, last_synced_at: new Date().toISOString(), conversations: list.conversations };
    } catch (e) {
      const err = e as BackendError;
      return { online: err.code !== "offline", signed_out: false, error: err.message, last_synced_at: null, conversations: [] };
    }
  }

  createConversation(subject: string): Promise<Conversation> {
    return this.call("POST", "/conversations", { subject });
  }

  // The rows the server builds with the same Rust function the desktop core runs over its cache.
  async home(): Promise<Home> {
    try {
      const list = await this.call<HomeList>("GET", "/home");
      return { conversations: list.conversations, invites: list.invites, queued: [], state: "online", last_synced_at: new Date().toISOString() };
    } catch (e) {
      const offline = (e as BackendError).code === "offline";
      return { conversations: [], invites: [], queued: [], state: offline ? "offline" : "online", last_synced_at: null };
    }
  }

  // The browser reads the screen the server assembles with the same Rust function the desktop
  // core runs over its cache (verdicts included). A conversation the user lost answers 404: null.
  // Older messages than the screen's page come on scroll (`loadOlder`) and are kept here for the
  // open conversation, oldest first, with the `before` of the page before them.
  async conversation(id: string, messages?: number): Promise<ConversationScreen | null> {
    try {
      const page = await this.screenPage(id);
      const older = this.older?.conversation === id ? this.older : { conversation: id, messages: [], before: page.older_messages };
      this.older = older;
      const known = new Set(page.messages.map((m) => m.id));
      const all = [...older.messages.filter((m) => !known.has(m.id)), ...page.messages];
      const shown = messages === undefined ? all : all.slice(Math.max(0, all.length - messages));
      this.newest = { conversation: id, message: page.messages.at(-1)?.id ?? null };
      const since = shown.length < all.length || older.before ? shown[0]?.created_at : undefined;
      return {
        view: page.snapshot,
        timeline: {
          messages: shown,
          pending: [],
          events: since ? page.events.filter((e) => e.created_at >= since) : page.events,
          has_older: shown.length < all.length || older.before !== null,
        },
        verdicts: page.verdicts,
        queued: [],
        muted: page.read.muted,
      };
    } catch (e) {
      if ((e as BackendError).code === "not_found") return null;
      throw e;
    }
  }

  private older: { conversation: string; messages: Message[]; before: string | null } | null = null;
  private newest: { conversation: string; message: string | null } | null = null;

  async loadOlder(id: string): Promise<number> {
    const older = this.older?.conversation === id ? this.older : null;
    if (!older?.before) return 0;
    const q = new URLSearchParams({ before: older.before, limit: "50" });
    const page = await this.call<MessagePage>("GET", `/conversations/${encodeURIComponent(id)}/messages?${q}`);
    older.messages = [...page.messages.slice().reverse(), ...older.messages];
    older.before = page.older;
    return page.messages.length;
  }

  async markRead(id: string): Promise<void> {
    const message = this.newest?.conversation === id ? this.newest.message : null;
    if (message) await this.call("POST", `/conversations/${encodeURIComponent(id)}/read`, { message_id: message });
  }

  async setMuted(id: string, muted: boolean): Promise<void> {
    await this.call("POST", `/conversations/${encodeURIComponent(id)}/mute`, { muted });
  }

  private async screenPage(id: string): Promise<ScreenPage> {
    const page = await this.call<ScreenPage>("GET", `/conversations/${encodeURIComponent(id)}/screen`);
    this.lastCrews = { conversation: id, crews: page.crews };
    return page;
  }

  // The screen just read carries them: no second request for the panel that shows it.
  async crewChoices(conversationId: string): Promise<CrewChoice[]> {
    if (this.lastCrews?.conversation === conversationId) return this.lastCrews.crews;
    return (await this.screenPage(conversationId)).crews;
  }

  /** Online only: the call is the outcome (a refusal or a 429 is thrown, with its reason). */
  async queue(action: OutboxAction): Promise<QueueOutcome> {
    const { kind, conversation_id } = action;
    const c = `/conversations/${encodeURIComponent(conversation_id)}`;
    switch (action.kind) {
      case "invite_contact":
        nothingSentIfAlready(await this.call<InviteOutcome>("POST", `${c}/contact-invites`, action.request), action.request.email ? "email" : "contact_id");
        break;
      case "accept_invite":
        await this.call("POST", `/invites/${encodeURIComponent(action.invite_id)}/accept`, {});
        break;
      case "decline_invite":
        await this.call("POST", `/invites/${encodeURIComponent(action.invite_id)}/decline`, {});
        break;
      case "request_service":
        await this.call("POST", `${c}/service-requests`, { crew_id: action.crew_id });
        break;
      case "leave":
        await this.call("POST", `${c}/leave`, {});
        break;
      case "close":
      case "reopen":
        await this.call("POST", `${c}/${action.kind}`, {});
        break;
      case "resend_invite":
        await this.call("POST", `/invites/${encodeURIComponent(action.invite_id)}/resend`, {});
        break;
      case "revoke_invite":
        await this.call("POST", `/invites/${encodeURIComponent(action.invite_id)}/revoke`, {});
        break;
      case "remove_participant":
        await this.call("DELETE", `${c}/participants/${encodeURIComponent(action.participant_id)}`);
        break;
      case "invite_agent":
        nothingSentIfAlready(await this.call<InviteOutcome>("POST", `${c}/agent-invites`, { agent_id: action.agent_id }), "agent_id");
        break;
      default:
        throw { code: "local", message: `${kind} is not available in the browser`, field: null } satisfies BackendError;
    }
    // Shown at once, whether or not the stream is there to say so.
    this.notify?.({ type: "conversation_changed", conversation_id });
    return { seq: 0, state: "sent", reason: null, retry_after_secs: null };
  }

  async postMessage(conversationId: string, body: string): Promise<number> {
    await this.call("POST", `/conversations/${encodeURIComponent(conversationId)}/messages`, { body });
    return 0;
  }

  async dismiss(): Promise<boolean> {
    return false;
  }

  async retry(): Promise<boolean> {
    return false;
  }

  async searchAgents(q: string): Promise<Agent[]> {
    return (await this.call<{ agents: Agent[] }>("GET", `/agents?q=${encodeURIComponent(q)}`)).agents;
  }

  async searchContacts(q: string): Promise<Contact[]> {
    return (await this.call<{ contacts: Contact[] }>("GET", `/contacts?q=${encodeURIComponent(q)}`)).contacts;
  }

  requestPasswordReset(_serverUrl: string, email: string): Promise<EmailLinkSent> {
    return this.call("POST", "/auth/password-reset", { email }, "anonymous");
  }

  /** The same calls as the desktop core's `TeamRequest::http` (convene-client/src/team.rs). */
  team(r: TeamRequest): Promise<unknown> {
    const at = encodeURIComponent;
    switch (r.op) {
      case "agents": {
        const query = new URLSearchParams({ q: r.q });
        if (r.role) query.set("role", r.role);
        if (r.status) query.set("status", r.status);
        if (r.crew) query.set("crew", r.crew);
        return this.call("GET", `/team/agents?${query}`);
      }
      case "create_agent":
        return this.call("POST", "/agents", { email: r.email, name: r.name, role: r.role });
      case "set_role":
        return this.call("PUT", `/agents/${at(r.agent_id)}/role`, { role: r.role });
      case "suspend":
      case "reactivate":
        return this.call("POST", `/agents/${at(r.agent_id)}/${r.op}`, {});
      case "crews":
        return this.call("GET", "/crews");
      case "update_crew":
        return this.call("PATCH", `/crews/${at(r.crew_id)}`, { name: r.name, call_to_action: r.call_to_action, customer_requestable: r.customer_requestable });
      case "delete_crew":
        return this.call("DELETE", `/crews/${at(r.crew_id)}`);
      case "settings":
        return this.call("GET", "/team/settings");
      case "set_settings": {
        const { op: _op, ...settings } = r;
        return this.call("PUT", "/team/settings", settings);
      }
      case "create_crew":
        return this.call("POST", "/crews", { name: r.name, call_to_action: r.call_to_action, customer_requestable: r.customer_requestable });
      case "set_crew_member":
        return this.call(r.member ? "PUT" : "DELETE", `/crews/${at(r.crew_id)}/members/${at(r.agent_id)}`);
      case "audit": {
        const { op: _op, before, limit, ...filter } = r;
        const query = auditQuery(filter as AuditFilterInput);
        if (before) query.set("before", before);
        if (limit) query.set("limit", String(limit));
        return this.call("GET", `/team/audit?${query}`);
      }
    }
  }

  async searchConversations(): Promise<SearchHit[] | null> {
    return null;
  }

  changePassword(current: string, next: string): Promise<void> {
    return this.call("PUT", "/me/password", { current_password: current, new_password: next });
  }

  /** The export is fetched with the session (a bearer token a plain link would not carry) and
   * handed to the browser as a download. */
  async exportAudit(filter: AuditFilter, format: AuditFormat): Promise<string> {
    const query = auditQuery(filter as AuditFilterInput);
    query.set("format", format);
    const response = await this.send("GET", `/team/audit/export?${query}`, undefined, "session", "*/*");
    const name = auditFileName(format);
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return name;
  }

  async crews(): Promise<Crew[]> {
    return (await this.call<{ crews: Crew[] }>("GET", "/crews")).crews;
  }

  shareLink(conversationId: string): Promise<ShareLink> {
    return this.call("GET", `/conversations/${encodeURIComponent(conversationId)}/share-link`);
  }

  async copyShareLink(conversationId: string): Promise<string> {
    const link = await this.shareLink(conversationId);
    await navigator.clipboard.writeText(link.url);
    return link.url;
  }

  /**
   * The realtime stream over WebSocket (cookie sessions); reconnects with backoff. A browser
   * cannot read why an upgrade was refused, so after each close a `GET /me` tells a session that
   * ended (401: signed out, no more reconnecting) from a network that is gone (offline).
   */
  onEvent(handler: (event: CoreEvent) => void): void {
    this.notify = handler;
    const generation = this.generation;
    const current = () => generation === this.generation && !this.signedOut;
    let backoff = 500;
    const connect = () => {
      if (!current()) return;
      const socket = new WebSocket(`${this.origin.replace(/^http/, "ws")}/api/v1/stream`);
      socket.onopen = () => {
        if (!current()) return socket.close();
        backoff = 500;
        handler({ type: "sync_state", state: "online" });
      };
      socket.onmessage = (message) => {
        if (!current()) return;
        const frame = JSON.parse(String(message.data)) as { type: string; conversation_id?: string; invite?: Invite };
        if (frame.type === "changed" && frame.conversation_id) handler({ type: "conversation_changed", conversation_id: frame.conversation_id });
        if (frame.type === "access_lost" && frame.conversation_id) handler({ type: "access_lost", conversation_id: frame.conversation_id });
        if (frame.type === "invited" && frame.invite) handler({ type: "invited", invite: frame.invite });
      };
      socket.onclose = async () => {
        if (!current()) return;
        const probe = await this.call<Me>("GET", "/me").then(
          (me) => ({ reachable: true, me }),
          (e: BackendError) => ({ reachable: e.code !== "offline", me: null }),
        );
        if (!current()) return;
        const reachable = probe.reachable;
        if (probe.me && this.me && !samePerson(probe.me, this.me)) {
          // The cookie now belongs to someone else: typically this guest proved their email in
          // another tab, which signed the browser in as the proven contact. Start over as them.
          this.generation += 1;
          this.restart();
          return;
        }
        if (!reachable) handler({ type: "sync_state", state: "offline" });
        window.setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 10_000);
      };
    };
    connect();
  }

  onOpenConversation(_handler: (id: string) => void): void {}

  onJoinLink(): void {}

  async joinLink(_serverUrl: string, token: string, name: string | null, email: string | null): Promise<SessionInfo> {
    const joined = await this.call<{ token: string; me: Me }>("POST", `/join/${encodeURIComponent(token)}`, { name, email }, "anonymous");
    this.storage.setItem(TOKEN_KEY, joined.token);
    this.sessionStarted(joined.me);
    return { server_url: this.origin, me: joined.me };
  }

  /** Startup telemetry is the desktop shell's; a browser has nothing to report it to. */
  async startupRendered(_conversations: number): Promise<void> {}
  // The browser raises no notifications of its own: nothing to hold back.
  async doNotDisturb(): Promise<string | null> {
    return null;
  }
  async setDoNotDisturb(_until: string | null): Promise<void> {}
}

/** The server sent no invite because the person is already in or already invited: said as a
 *  refusal naming the field, so the UI never shows "Invite sent" for it. */
function nothingSentIfAlready(answer: InviteOutcome, field: string): void {
  // Rust's words for why nothing was sent (convene_proto::already), the same the desktop app shows.
  if (answer.outcome !== "invited") throw { code: answer.outcome, message: answer.message ?? "Nothing sent", field } satisfies BackendError;
}
