import { cleanup, render } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import ConversationList, { ROW_HEIGHT } from "./components/ConversationList.svelte";
import type { ListEntry } from "./types";

afterEach(() => cleanup());

const entry = (i: number, subject = `Conversation ${i}`): ListEntry => ({
  conversation: { id: `c-${i}`, subject, updated_at: "2026-01-01T00:00:00Z", my_role: "owner", participant_count: 2, status: "open", customers: [], customer_count: 0, last_message: null, unread: 0, muted: false },
  invited: false,
  pending_actions: 0,
});
const many = (n: number) => Array.from({ length: n }, (_, i) => entry(i));
const rendered = () => [...document.querySelectorAll<HTMLElement>("[data-testid=conversation-item]")];
const key = (target: Element, k: string) => {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
  flushSync();
};

describe("the conversation list", () => {
  it("puts only the first screenful of 10,000 rows in the DOM, in a list as tall as all of them", () => {
    render(ConversationList, { props: { entries: many(10_000), onactivate: () => undefined } });
    const rows = rendered();
    expect(rows.length).toBeLessThanOrEqual(30);
    expect(rows.map((r) => r.dataset.index)).toEqual(rows.map((_, i) => String(i)));
    expect(rows[3]!.style.top).toBe(`${3 * ROW_HEIGHT}px`);
    expect(document.querySelector<HTMLElement>("[data-testid=conversation-list]")!.style.height).toBe(`${10_000 * ROW_HEIGHT}px`);
  });

  it("shows on each row who the customers are and the start of the last message", () => {
    const withMessage = entry(0, "Damaged order");
    withMessage.conversation.customers = ["Carol Jones", "Dan Brown"];
    withMessage.conversation.customer_count = 3;
    withMessage.conversation.last_message = { author_name: "Ana Lima", author_kind: "agent", excerpt: "Sorry to hear that, Carol.", at: "2026-01-01T00:00:00Z" };
    render(ConversationList, { props: { entries: [withMessage, entry(1, "Quiet one")], onactivate: () => undefined } });
    const [first, second] = rendered();
    expect(first!.querySelector("[data-testid=conversation-preview]")?.textContent).toBe("Ana Lima: Sorry to hear that, Carol.");
    expect(first!.querySelector("[data-testid=conversation-customers]")?.textContent).toBe("Carol Jones, Dan Brown +1");
    expect(second!.querySelector("[data-testid=conversation-preview]")?.textContent).toBe("No messages yet");
    expect(second!.querySelector("[data-testid=conversation-customers]")?.textContent).toBe("No customer yet");
  });

  it("opens the row that was clicked (on any part of it) or chosen with Enter", () => {
    const activate = vi.fn();
    render(ConversationList, { props: { entries: many(100), onactivate: activate } });
    (rendered()[4]!.querySelector(".subject") as HTMLElement).click();
    key(rendered()[7]!, "Enter");
    expect(activate.mock.calls.map(([id]) => id)).toEqual(["c-4", "c-7"]);
  });

  it("moves the focus with the arrow keys and to the last row with End, rendering the row it lands on", async () => {
    render(ConversationList, { props: { entries: many(10_000), onactivate: () => undefined } });
    const first = rendered()[0]!;
    first.focus();
    key(first, "ArrowDown");
    await vi.waitFor(() => expect((document.activeElement as HTMLElement).dataset.index).toBe("1"));
    key(document.activeElement!, "End");
    await vi.waitFor(() => expect((document.activeElement as HTMLElement).dataset.index).toBe("9999"));
    expect(document.activeElement!.querySelector(".subject")?.textContent).toBe("Conversation 9999");
    expect(rendered().length).toBeLessThanOrEqual(31);
  });

  it("keeps the row elements, and the focused one focused, when new entries arrive", async () => {
    const entries = many(100);
    const { rerender } = render(ConversationList, { props: { entries, selected: "c-1", onactivate: () => undefined } });
    const before = rendered();
    before[2]!.focus();
    await rerender({ entries: [entry(1000, "Brand new"), ...entries], selected: "c-2" });
    const focused = document.activeElement as HTMLElement;
    expect(focused).toBe(before[2]);
    expect(focused.dataset.key).toBe("c-2");
    expect(focused.dataset.index).toBe("3");
    expect(rendered()[1]).toBe(before[0]);
    expect(rendered().filter((r) => r.classList.contains("selected")).map((r) => r.dataset.key)).toEqual(["c-2"]);
  });

  it("shows the unread count the core keeps (99+ past its cap), and marks a muted one quiet", () => {
    const entries = many(4);
    entries[1]!.conversation.unread = 3;
    entries[2]!.conversation.unread = 100;
    entries[3]!.conversation.unread = 2;
    entries[3]!.conversation.muted = true;
    render(ConversationList, { props: { entries, onactivate: () => undefined } });
    expect(rendered().map((r) => r.classList.contains("unread"))).toEqual([false, true, true, false]);
    expect(rendered().map((r) => r.querySelector("[data-testid=unread-count]")?.textContent ?? null)).toEqual([null, "3", "99+", "2"]);
    expect(rendered()[3]!.querySelector("[data-testid=muted-marker]")).not.toBeNull();
    expect(rendered()[3]!.querySelector("[data-testid=unread-count]")!.classList.contains("quiet")).toBe(true);
  });

  it("says so when there are no rows", async () => {
    const { rerender } = render(ConversationList, { props: { entries: many(3), emptyText: "Nothing here", onactivate: () => undefined } });
    await rerender({ entries: [] });
    expect(rendered()).toEqual([]);
    expect(document.querySelector("[data-testid=conversation-list] > .empty")?.textContent).toBe("Nothing here");
    await rerender({ entries: [entry(9, "A")] });
    expect(document.querySelector("[data-testid=conversation-list] > .empty")).toBeNull();
    expect(rendered().map((r) => r.querySelector(".subject")?.textContent)).toEqual(["A"]);
  });
});
