// The browser backend: plain fetch against the Convene HTTP API, with no offline cache.

import type { Backend } from "../backend";
import type { AppDefaults, BackendError, Conversation, Me, SessionInfo, SyncOutcome } from "../types";

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
    if (!this.storage.getItem(TOKEN_KEY)) return null;
    const me = await this.call<Me>("GET", "/me");
    return { server_url: this.origin, me };
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
}
