import { cleanup, render, screen as view } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Backend } from "./backend";
import Conversation from "./components/Conversation.svelte";
import { screenFixture } from "./test-screen";
import type { ConversationScreen, Message } from "./types";

afterEach(() => cleanup());

const message = (id: string, body: string, at: string): Message => ({ id, conversation_id: "c-1", author_name: "Ana", author_kind: "agent", author_id: "a-1", body, created_at: at });

function screen(messages: Message[], mayPost = true): ConversationScreen {
  return screenFixture({
    subject: "Order 1234",
    myRole: "owner",
    messages,
    permissions: [{ action: "post_message", allowed: mayPost, who_may: "Members", why: mayPost ? null : "You left this conversation" }],
  });
}

function backend() {
  return { postMessage: vi.fn(async () => undefined), crewChoices: vi.fn(async () => []) } as unknown as Backend & { postMessage: ReturnType<typeof vi.fn> };
}

describe("the conversation", () => {
  it("keeps a half-typed message, its focus and the rows already shown through a background sync", async () => {
    const b = backend();
    const first = [message("m1", "Hello", "2026-01-01T00:00:00Z")];
    const { rerender } = render(Conversation, { props: { backend: b, screen: screen(first), isAgent: true } });
    const row = view.getByText("Hello").closest("li");
    const box = view.getByRole("textbox", { name: "Message" });
    const user = userEvent.setup();
    await user.click(box);
    await user.type(box, "half a thou");
    await rerender({ screen: screen([...first, message("m2", "Anyone there?", "2026-01-01T00:01:00Z")]) });
    expect(view.getByText("Anyone there?")).toBeTruthy();
    expect(view.getByRole("textbox", { name: "Message" })).toBe(box);
    expect((box as HTMLTextAreaElement).value).toBe("half a thou");
    expect(document.activeElement).toBe(box);
    // The row that was there is the same element, not a rebuilt copy.
    expect(view.getByText("Hello").closest("li")).toBe(row);
  });

  it("sends with Enter, clears the box once queued, and keeps Shift+Enter for a new line", async () => {
    const b = backend();
    render(Conversation, { props: { backend: b, screen: screen([]), isAgent: true } });
    const box = view.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement;
    const user = userEvent.setup();
    await user.type(box, "line one{Shift>}{Enter}{/Shift}line two{Enter}");
    expect(b.postMessage).toHaveBeenCalledWith("c-1", "line one\nline two");
    expect(box.value).toBe("");
  });

  it("says why the composer is off when the user may not post", () => {
    render(Conversation, { props: { backend: backend(), screen: screen([], false), isAgent: true } });
    const box = view.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement;
    expect(box.disabled).toBe(true);
    expect(box.placeholder).toBe("You left this conversation");
  });

  it("opens a panel from its tool, closes it with Esc and gives the focus back to the tool", async () => {
    render(Conversation, { props: { backend: backend(), screen: screen([]), isAgent: true } });
    const user = userEvent.setup();
    const tool = view.getByRole("button", { name: "People" });
    await user.click(tool);
    expect(tool.getAttribute("aria-pressed")).toBe("true");
    expect(view.getByRole("region", { name: "People" })).toBeTruthy();
    await user.keyboard("{Escape}");
    expect(view.queryByRole("region", { name: "People" })).toBeNull();
    expect(tool.getAttribute("aria-pressed")).toBe("false");
    expect(document.activeElement).toBe(tool);
  });

  it("closes with a confirmation and reopens, as Rust's verdict allows, and says Closed in the header", async () => {
    const queue = vi.fn(async () => ({ seq: 1, state: "sent", reason: null, retry_after_secs: null }));
    const b = { ...backend(), queue } as unknown as Backend;
    const close = { action: "close_conversation" as const, allowed: true, who_may: "Conversation owners, admins and superadmins", why: null };
    const { rerender } = render(Conversation, { props: { backend: b, screen: screenFixture({ permissions: [close] }), isAgent: true } });
    expect(view.queryByTestId("conversation-status")).toBeNull();
    const user = userEvent.setup();
    await user.click(view.getByRole("button", { name: "Close" }));
    await user.click(view.getByRole("alertdialog").querySelector("button.danger") as HTMLButtonElement);
    await vi.waitFor(() => expect(queue).toHaveBeenCalledWith({ kind: "close", conversation_id: "c-1" }));
    await rerender({ screen: screenFixture({ permissions: [close], status: "closed" }) });
    expect(view.getByTestId("conversation-status").textContent).toBe("Closed");
    await user.click(view.getByRole("button", { name: "Reopen" }));
    await vi.waitFor(() => expect(queue).toHaveBeenCalledWith({ kind: "reopen", conversation_id: "c-1" }));
  });

  it("greys Close out with the reason for whoever may not close", () => {
    const why = "Only conversation owners, admins and superadmins can do this";
    render(Conversation, {
      props: { backend: backend(), screen: screenFixture({ permissions: [{ action: "close_conversation", allowed: false, who_may: "", why }] }), isAgent: true },
    });
    const button = view.getByRole("button", { name: "Close" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.getAttribute("title")).toBe(why);
  });
});
