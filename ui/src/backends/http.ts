// The browser backend: plain fetch against the Convene HTTP API, with no offline cache.

import type { Backend } from "../backend";
import type {
  Agent,
  AppDefaults,
  BackendError,
  Contact,
  Conversation,
  ConversationScreen,
  CoreEvent,
  Crew,
  Home,
  Me,
  Message,
  OutboxAction,
  Participant,
  Permission,
  SessionInfo,
  ShareLink,
  SyncOutcome,
  TimelineEvent,
  Invite,
} from "../types";

const TOKEN_KEY = "convene.token";

export class HttpBackend implements Backend {
  readonly hasOfflineCache = false;

  constructor(
    private readonly origin: string,
    private readonly storage: Storage,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const token = this.storage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
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
      throw { code: "offline", message: `cannot reach the server: ${String(e)}`, field: null } satisfies BackendError;
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      throw {
        code: problem?.code ?? "refused",
        message: problem?.detail ?? problem?.title ?? `HTTP ${response.status}`,
        field: problem?.field ?? null,
      } satisfies BackendError;
    }
    return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
  }

  async defaults(): Promise<AppDefaults> {
    return { server_url: this.origin, email: "", password: "", auto_sign_in: false };
  }

  async session(): Promise<SessionInfo | null> {
    // A contact's session is an HttpOnly cookie (set when they joined); an agent's, a token here.
    try {
      const me = await this.call<Me>("GET", "/me");
      return { server_url: this.origin, me };
    } catch {
      this.storage.removeItem(TOKEN_KEY);
      return null;
    }
  }

  async signIn(_serverUrl: string, email: string, password: string): Promise<SessionInfo> {
    const answer = await this.call<{ token: string; me: Me }>("POST", "/auth/login", { email, password });
    this.storage.setItem(TOKEN_KEY, answer.token);
    return { server_url: this.origin, me: answer.me };
  }

  async signOut(): Promise<void> {
    try {
      await this.call<void>("POST", "/auth/logout");
    } finally {
      this.storage.removeItem(TOKEN_KEY);
    }
  }

  async cachedConversations(): Promise<Conversation[]> {
    return [];
  }

  async refresh(): Promise<SyncOutcome> {
    try {
      const list = await this.call<{ conversations: Conversation[] }>("GET", "/conversations");
      return { online: true, error: null, last_synced_at: new Date().toISOString(), conversations: list.conversations };
    } catch (e) {
      const err = e as BackendError;
      return { online: err.code !== "offline", error: err.message, last_synced_at: null, conversations: [] };
    }
  }

  createConversation(subject: string): Promise<Conversation> {
    return this.call("POST", "/conversations", { subject });
  }

  async home(): Promise<Home> {
    const outcome = await this.refresh();
    return {
      conversations: outcome.conversations.map((conversation) => ({ conversation, invited: false, pending_actions: 0 })),
      invites: [],
      queued: [],
      state: outcome.online ? "online" : "offline",
      last_synced_at: outcome.last_synced_at,
    };
  }

  // The browser reads straight from the server, permissions included (the server computes them
  // from the same table the desktop app uses). A conversation the user lost answers 404: null.
  async conversation(id: string): Promise<ConversationScreen | null> {
    const base = `/conversations/${encodeURIComponent(id)}`;
    try {
      const [conversation, people, messages, events, permissions] = await Promise.all([
        this.call<Conversation>("GET", base),
        this.call<{ participants: Participant[]; invites: Invite[] }>("GET", `${base}/participants`),
        this.call<{ messages: Message[] }>("GET", `${base}/messages`),
        this.call<{ events: TimelineEvent[] }>("GET", `${base}/events`),
        this.call<{ permissions: Permission[] }>("GET", `${base}/permissions`),
      ]);
      return {
        view: { conversation, me: null, participants: people.participants, invites: people.invites, service_requests: [] },
        timeline: { messages: messages.messages, pending: [], events: events.events },
        permissions: permissions.permissions,
        removals: [],
        queued: [],
      };
    } catch (e) {
      if ((e as BackendError).code === "not_found") return null;
      throw e;
    }
  }

  async queue(action: OutboxAction): Promise<number> {
    const { kind, conversation_id } = action;
    const c = `/conversations/${encodeURIComponent(conversation_id)}`;
    switch (action.kind) {
      case "invite_contact":
        await this.call("POST", `${c}/contact-invites`, action.request);
        break;
      case "request_service":
        await this.call("POST", `${c}/service-requests`, { crew_id: action.crew_id });
        break;
      case "leave":
        await this.call("POST", `${c}/leave`, {});
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
        await this.call("POST", `${c}/agent-invites`, { agent_id: action.agent_id });
        break;
      default:
        throw { code: "local", message: `${kind} is not available in the browser`, field: null } satisfies BackendError;
    }
    return 0;
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

  /** The realtime stream over WebSocket (cookie sessions); reconnects with backoff. */
  onEvent(handler: (event: CoreEvent) => void): void {
    let backoff = 500;
    const connect = () => {
      const socket = new WebSocket(`${this.origin.replace(/^http/, "ws")}/api/v1/stream`);
      socket.onopen = () => {
        backoff = 500;
        handler({ type: "sync_state", state: "online" });
      };
      socket.onmessage = (message) => {
        const frame = JSON.parse(String(message.data)) as { type: string; conversation_id?: string; invite?: Invite };
        if (frame.type === "changed" && frame.conversation_id) handler({ type: "conversation_changed", conversation_id: frame.conversation_id });
        if (frame.type === "access_lost" && frame.conversation_id) handler({ type: "access_lost", conversation_id: frame.conversation_id });
        if (frame.type === "invited" && frame.invite) handler({ type: "invited", invite: frame.invite });
      };
      socket.onclose = () => {
        handler({ type: "sync_state", state: "offline" });
        window.setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 10_000);
      };
    };
    connect();
  }

  onOpenConversation(_handler: (id: string) => void): void {}

  onJoinLink(): void {}

  async joinLink(_serverUrl: string, token: string, name: string | null, email: string | null): Promise<SessionInfo> {
    const joined = await this.call<{ token: string; me: Me }>("POST", `/join/${encodeURIComponent(token)}`, { name, email });
    this.storage.setItem(TOKEN_KEY, joined.token);
    return { server_url: this.origin, me: joined.me };
  }

  /** Startup telemetry is the desktop shell's; a browser has nothing to report it to. */
  async startupRendered(_conversations: number): Promise<void> {}
}
