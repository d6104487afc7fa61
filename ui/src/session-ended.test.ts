import { flushSync } from "svelte";
import { describe, expect, it, vi } from "vitest";
import type { Backend } from "./backend";
import type { CoreEvent, Home, QueuedAction, SessionInfo } from "./types";
import { AppView } from "./views/app";

const session: SessionInfo = {
  server_url: "http://127.0.0.1:9",
  me: { kind: "agent", id: "ana", account_id: "acc", account_name: "Demo", email: "ana@example.com", name: "Ana Lima", role: "agent", admin: { allowed: false, why: null } },
};

const queued: QueuedAction = {
  seq: 1,
  idempotency_key: "k",
  conversation_id: "c-1",
  action: { kind: "post_message", conversation_id: "c-1", local_id: "m-1", body: "Hello", author_name: "Ana Lima", author_kind: "agent", author_id: "a-1" },
  state: "pending",
  attempts: 0,
  last_error: null,
  created_at: "2026-01-01T00:00:00Z",
  not_before: null,
};

/** A desktop backend whose session the server ended, with one action queued. */
function signedOutBackend() {
  const home: Home = { conversations: [], invites: [], queued: [queued], state: "signed_out", last_synced_at: null };
  const signIns: [string, string, string][] = [];
  let onEvent: (e: CoreEvent) => void = () => undefined;
  const backend = {
    hasOfflineCache: true,
    home: async () => home,
    refresh: async () => ({ online: false, signed_out: true, error: "Signed out — sign in again", last_synced_at: null }),
    conversation: async () => null,
    startupRendered: async () => undefined,
    doNotDisturb: async () => null,
    signIn: async (server: string, email: string, password: string) => {
      signIns.push([server, email, password]);
      home.state = "online";
      return session;
    },
    onEvent: (handler: (e: CoreEvent) => void) => {
      onEvent = handler;
    },
    onOpenConversation: () => undefined,
    onJoinLink: () => undefined,
  } as unknown as Backend;
  return { backend, signIns, emit: (e: CoreEvent) => onEvent(e) };
}

describe("a session the server ended", () => {
  it("says signed out (never offline) and signs in again right there with the stored email", async () => {
    localStorage.clear();
    const { backend, signIns } = signedOutBackend();
    const view = new AppView(backend, session, () => undefined);
    document.body.replaceChildren(view.element);
    await view.start();
    const status = document.querySelector("[data-testid=connection-status]");
    expect(status?.textContent).toBe("Signed out — sign in again · 1 pending");
    expect(status?.textContent).not.toContain("Offline");
    const again = document.querySelector<HTMLButtonElement>("[data-testid=sign-in-again-button]")!;
    expect(again.hidden).toBe(false);

    again.click();
    const email = document.querySelector<HTMLInputElement>("#again-email")!;
    expect(email.value).toBe("ana@example.com");
    expect(document.querySelector("[data-testid=sign-in-again]")?.textContent).toContain("1 queued action are kept");
    document.querySelector<HTMLInputElement>("#again-password")!.value = "secret";
    document.querySelector<HTMLFormElement>("form[data-testid=sign-in-again]")!.requestSubmit();
    await vi.waitFor(() => expect(signIns).toEqual([["http://127.0.0.1:9", "ana@example.com", "secret"]]));
    await vi.waitFor(() => expect(document.querySelector("[data-testid=sign-in-again]")).toBeNull());
    await vi.waitFor(() => expect(document.querySelector("[data-testid=connection-status]")?.textContent).toContain("Online"));
    expect(again.hidden).toBe(true);
  });

  it("warns that signing in as someone else deletes the cache and the queue", async () => {
    localStorage.clear();
    const { backend } = signedOutBackend();
    const view = new AppView(backend, session, () => undefined);
    document.body.replaceChildren(view.element);
    await view.start();
    document.querySelector<HTMLButtonElement>("[data-testid=sign-in-again-button]")!.click();
    const email = document.querySelector<HTMLInputElement>("#again-email")!;
    email.value = "chloe@example.com";
    email.dispatchEvent(new Event("input", { bubbles: true }));
    flushSync();
    expect(document.querySelector("[data-testid=again-other-person]")?.textContent).toContain("deletes Ana Lima's cached conversations and queued actions");
  });

  it("shows a notice from the shell (a join link opened in the browser)", async () => {
    localStorage.clear();
    const { backend, emit } = signedOutBackend();
    const view = new AppView(backend, session, () => undefined);
    document.body.replaceChildren(view.element);
    await view.start();
    emit({ type: "notice", text: "Opened the invite in your browser — you stay signed in as Ana Lima" });
    expect(document.getElementById("toast")?.textContent).toBe("Opened the invite in your browser — you stay signed in as Ana Lima");
  });
});
