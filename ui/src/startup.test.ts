import { describe, expect, it, vi } from "vitest";
import type { Backend } from "./backend";
import type { Home, ListEntry, SessionInfo } from "./types";
import { AppView } from "./views/app";

const session: SessionInfo = {
  server_url: "http://127.0.0.1:9",
  me: { kind: "agent", id: "me", account_id: "acc", account_name: "Bench Co", email: "ana@example.com", name: "Ana Lima", role: "agent", admin: { allowed: false, why: null } },
};

function entry(i: number): ListEntry {
  const at = new Date(Date.UTC(2026, 10, 26) - i * 60_000).toISOString();
  return {
    conversation: { id: `c-${i}`, subject: `Conversation ${i}`, updated_at: at, my_role: "owner", participant_count: 3, status: "open", customers: [], customer_count: 0, last_message: null, unread: 0, muted: false },
    invited: false,
    pending_actions: 0,
  };
}

/** A desktop backend, offline, with `count` cached conversations. */
function offlineBackend(count: number) {
  const home: Home = { conversations: Array.from({ length: count }, (_, i) => entry(i)), invites: [], queued: [], state: "offline", last_synced_at: null };
  const calls = { home: 0, startupRendered: [] as number[] };
  const backend = {
    hasOfflineCache: true,
    home: async () => {
      calls.home += 1;
      return home;
    },
    refresh: async () => ({ online: false, error: "cannot reach the server", last_synced_at: null }),
    conversation: async () => null,
    // The core's full-text search over the cache, as far as subjects go.
    searchConversations: async (q: string) =>
      home.conversations
        .filter((e) => e.conversation.subject.toLowerCase().includes(q))
        .map((e) => ({ conversation_id: e.conversation.id, field: "subject", snippet: `\u0002${e.conversation.subject}\u0003` })),
    doNotDisturb: async () => null,
    startupRendered: async (n: number) => {
      calls.startupRendered.push(n);
    },
    onEvent: () => undefined,
    onOpenConversation: () => undefined,
    onJoinLink: () => undefined,
  } as unknown as Backend;
  return { backend, calls };
}

describe("starting to a cached list of 10,000 conversations", () => {
  it("puts a screenful of rows in the DOM, reports the first paint once with the whole count, and reads the list once when offline", async () => {
    localStorage.clear();
    const { backend, calls } = offlineBackend(10_000);
    const view = new AppView(backend, session, () => undefined);
    document.body.replaceChildren(view.element);
    await view.start();
    await vi.waitFor(() => expect(calls.startupRendered).toEqual([10_000]));

    const rows = document.querySelectorAll("[data-testid=conversation-list] [data-testid=conversation-item]");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(40);
    expect(rows[0]?.querySelector(".subject")?.textContent).toBe("Conversation 0");
    expect(calls.home).toBe(1);
    expect(document.querySelector("[data-testid=connection-status]")?.textContent).toContain("Offline");
  });

  it("filters all 10,000 by the search, not only the rows on screen", async () => {
    localStorage.clear();
    const { backend } = offlineBackend(10_000);
    const view = new AppView(backend, session, () => undefined);
    document.body.replaceChildren(view.element);
    await view.start();
    const search = document.querySelector<HTMLInputElement>("input[type=search]")!;
    search.value = "Conversation 9999";
    search.dispatchEvent(new Event("input"));
    await vi.waitFor(() => {
      const subjects = [...document.querySelectorAll("[data-testid=conversation-item] .subject")].map((s) => s.textContent);
      expect(subjects).toEqual(["Conversation 9999"]);
    });
    // The match is shown marked where the last message would be.
    expect(document.querySelector("[data-testid=search-snippet] mark")?.textContent).toBe("Conversation 9999");
  });
});
