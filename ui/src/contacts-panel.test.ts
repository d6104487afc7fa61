import { cleanup, render, screen as view } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Backend } from "./backend";
import ContactsPanel from "./components/ContactsPanel.svelte";
import { screenFixture } from "./test-screen";
import type { ConversationScreen } from "./types";

afterEach(() => cleanup());

function screen(updated = "2026-01-01T00:00:00Z"): ConversationScreen {
  return screenFixture({
    updated,
    participants: [
      { id: "p1", conversation_id: "c-1", kind: "contact", agent_id: null, contact_id: "k-1", name: "Carol Jones", email: "carol@x.test", email_verified: true, role: "contact", state: "joined", added_by: null, via: "email_invite", updated_at: updated },
    ],
    permissions: [
      { action: "invite_contact", allowed: true, who_may: "Members" },
      { action: "copy_share_link", allowed: true, who_may: "Members" },
      { action: "manage_share_link", allowed: false, who_may: "Owners" },
    ],
  });
}

function backend() {
  return {
    queue: vi.fn(async () => 1),
    searchContacts: vi.fn(async () => [{ id: "k-1", name: "Carol Jones", email: "carol@x.test" }]),
    copyShareLink: vi.fn(async () => "http://x/j/t"),
  } as unknown as Backend & { queue: ReturnType<typeof vi.fn> };
}

describe("the Contacts panel", () => {
  it("marks a contact already here in the search, and shows Rust's refusal to invite them under the field", async () => {
    const b = backend();
    b.queue.mockRejectedValueOnce({ code: "invalid_input", message: "Carol Jones is already in this conversation", field: "contact_id" });
    render(ContactsPanel, { props: { backend: b, screen: screen(), isAgent: true } });
    const user = userEvent.setup();
    await user.type(view.getByRole("textbox", { name: "Contact email or name" }), "car");
    expect(await view.findByText("In the conversation")).toBeTruthy();
    await user.click(view.getByRole("button", { name: "Carol Jones · carol@x.test" }));
    await user.click(view.getByRole("button", { name: "Add to Conversation" }));
    expect(b.queue).toHaveBeenCalledWith({ kind: "invite_contact", conversation_id: "c-1", request: { contact_id: "k-1" } });
    expect(view.queryByText(/Invite sent/)).toBeNull();
    // Said next to the field it is about, not in a toast at the other end of the window.
    const error = view.getByTestId("contact-error");
    expect(error.textContent).toBe("Carol Jones is already in this conversation");
    expect(view.getByRole("textbox", { name: "Contact email or name" }).getAttribute("aria-describedby")).toBe(error.id);
  });

  it("shows Rust's refusal of a mistyped address under the field and keeps what was typed", async () => {
    const b = backend();
    b.queue.mockRejectedValueOnce({ code: "invalid_input", message: "email has a malformed domain", field: "email" });
    render(ContactsPanel, { props: { backend: b, screen: screen(), isAgent: false } });
    const user = userEvent.setup();
    const input = view.getByRole("textbox", { name: "Contact email or name" }) as HTMLInputElement;
    await user.type(input, "dana@-x.test{Enter}");
    expect((await view.findByTestId("contact-error")).textContent).toBe("email has a malformed domain");
    expect(input.value).toBe("dana@-x.test");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    await user.type(input, "x");
    expect(view.queryByTestId("contact-error")).toBeNull();
  });

  it("keeps a typed address, with the focus, through a background refresh, and invites it", async () => {
    const b = backend();
    const { rerender } = render(ContactsPanel, { props: { backend: b, screen: screen(), isAgent: false } });
    const user = userEvent.setup();
    const input = view.getByRole("textbox", { name: "Contact email or name" });
    await user.type(input, "dana@x.test");
    await rerender({ screen: screen("2026-01-01T00:05:00Z") });
    expect(view.getByRole("textbox", { name: "Contact email or name" })).toBe(input);
    expect((input as HTMLInputElement).value).toBe("dana@x.test");
    expect(document.activeElement).toBe(input);
    await user.keyboard("{Enter}");
    expect(b.queue).toHaveBeenCalledWith({ kind: "invite_contact", conversation_id: "c-1", request: { email: "dana@x.test" } });
  });
});
