import { cleanup, render, screen as view } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Backend } from "./backend";
import PeoplePanel from "./components/PeoplePanel.svelte";
import type { ConversationScreen } from "./types";

afterEach(() => cleanup());

const person = (id: string, name: string, role: string) => ({
  id,
  conversation_id: "c-1",
  kind: "agent",
  agent_id: `a-${id}`,
  contact_id: null,
  name,
  email: `${name.toLowerCase()}@x.test`,
  email_verified: true,
  role,
  state: "joined",
  added_by: null,
  via: "direct",
  updated_at: "2026-01-01T00:00:00Z",
});

function screen(): ConversationScreen {
  return {
    view: {
      conversation: { id: "c-1", subject: "Order", status: "open", created_by: "a-p1", created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z", my_role: "agent", participant_count: 2 },
      me: {},
      participants: [person("p1", "Ana", "owner"), person("p2", "Chloe", "agent")],
      invites: [
        { id: "i-1", conversation_id: "c-1", conversation_subject: "Order", kind: "contact", participant_id: "p3", agent_id: null, contact_id: "k-1", invitee_name: "Pat", invitee_email: "pat@x.test", invited_by: "Chloe", invited_by_agent: "a-p2", invited_by_contact: null, status: "pending", delivery: "sent", delivery_error: null, send_count: 1, last_sent_at: null, expires_at: null, service_request_id: null, created_at: "2026-01-01T00:00:00Z" },
      ],
      service_requests: [],
    },
    timeline: { messages: [], pending: [], events: [] },
    verdicts: {
      permissions: [],
      leave: { allowed: true, why: null },
      hand_over: [],
      people: [
        { participant_id: "p1", remove: { allowed: false, why: "SuperAdmins and conversation owners" }, make_owner: { allowed: false, why: "Already an owner" } },
        { participant_id: "p2", remove: { allowed: false, why: "SuperAdmins and conversation owners" }, make_owner: { allowed: false, why: "Conversation owners and superadmins" } },
      ],
      invites: [{ invite_id: "i-1", revoke: { allowed: true, why: null }, resend: { allowed: true, why: null }, remove: { allowed: false, why: "SuperAdmins and conversation owners" } }],
    },
    queued: [],
  } as unknown as ConversationScreen;
}

function backend() {
  return { queue: vi.fn(async () => ({ seq: 1, state: "sent", reason: null, retry_after_secs: null })) } as unknown as Backend & { queue: ReturnType<typeof vi.fn> };
}

describe("the People panel", () => {
  it("opens one ⋯ menu at a time; Escape and a click outside close it; arrows move between items", async () => {
    render(PeoplePanel, { props: { backend: backend(), screen: screen() } });
    const user = userEvent.setup();
    const menus = () => view.queryAllByRole("menu");
    await user.click(view.getByRole("button", { name: "More actions for Pat" }));
    expect(menus()).toHaveLength(1);
    expect(document.activeElement?.textContent).toBe("Resend Invite");
    await user.keyboard("{ArrowDown}");
    expect(document.activeElement?.textContent).toBe("Revoke invite");
    await user.keyboard("{ArrowDown}");
    expect(document.activeElement?.textContent).toBe("Resend Invite");
    await user.click(view.getByRole("button", { name: "More actions for Ana" }));
    expect(menus()).toHaveLength(1);
    expect(view.getByRole("button", { name: "More actions for Pat" }).getAttribute("aria-expanded")).toBe("false");
    await user.keyboard("{Escape}");
    expect(menus()).toHaveLength(0);
    expect(document.activeElement).toBe(view.getByRole("button", { name: "More actions for Ana" }));
    await user.click(view.getByRole("button", { name: "More actions for Chloe" }));
    expect(menus()).toHaveLength(1);
    await user.click(view.getByRole("heading", { name: "People" }));
    expect(menus()).toHaveLength(0);
  });

  it("greys out what the verdicts refuse, with their reason, and revokes what they allow", async () => {
    const b = backend();
    render(PeoplePanel, { props: { backend: b, screen: screen() } });
    const user = userEvent.setup();
    await user.click(view.getByRole("button", { name: "More actions for Pat" }));
    const remove = view.getByRole("menuitem", { name: "Remove User" });
    expect((remove as HTMLButtonElement).disabled).toBe(true);
    expect(remove.getAttribute("title")).toBe("SuperAdmins and conversation owners");
    await user.click(view.getByRole("menuitem", { name: "Revoke invite" }));
    expect(b.queue).toHaveBeenCalledWith({ kind: "revoke_invite", conversation_id: "c-1", invite_id: "i-1" });
  });

  it("offers the last owner a hand-over: the new owner is made first, then the leave is queued", async () => {
    const s = screen();
    s.verdicts.leave = { allowed: false, why: "You are the last owner: make someone else an owner first" };
    s.verdicts.hand_over = ["p2"];
    const b = backend();
    render(PeoplePanel, { props: { backend: b, screen: s } });
    const user = userEvent.setup();
    await user.click(view.getByRole("button", { name: "Leave conversation…" }));
    const go = view.getByRole("button", { name: "Make owner and leave" }) as HTMLButtonElement;
    expect(go.disabled).toBe(true);
    await user.selectOptions(view.getByRole("combobox", { name: "New owner" }), "p2");
    await user.click(go);
    await vi.waitFor(() => expect(b.queue).toHaveBeenCalledTimes(2));
    expect(b.queue.mock.calls[0][0]).toEqual({ kind: "make_owner", conversation_id: "c-1", participant_id: "p2" });
    expect(b.queue.mock.calls[1][0]).toEqual({ kind: "leave", conversation_id: "c-1" });
  });

  it("keeps Leave greyed out with its reason when nobody could take over", () => {
    const s = screen();
    s.verdicts.leave = { allowed: false, why: "You are the last owner: make someone else an owner first" };
    render(PeoplePanel, { props: { backend: backend(), screen: s } });
    const leave = view.getByRole("button", { name: "Leave conversation" }) as HTMLButtonElement;
    expect(leave.disabled).toBe(true);
    expect(leave.getAttribute("title")).toBe("You are the last owner: make someone else an owner first");
  });

  it("keeps ended invites in view with their final state and time, and the delivery failure's reason", () => {
    const s = screen();
    const base = (s.view.invites as unknown as Record<string, unknown>[])[0];
    s.view.invites = [
      ...s.view.invites,
      { ...base, id: "i-2", invitee_name: "Quinn", invitee_email: "quinn@x.test", status: "expired", ended_at: new Date(Date.now() - 2 * 3600_000).toISOString() },
      { ...base, id: "i-3", invitee_name: "Rae", invitee_email: "rae@x.test", status: "declined", delivery: "failed", delivery_error: "550 mailbox full", ended_at: new Date().toISOString() },
      { ...base, id: "i-4", invitee_name: "Sol", invitee_email: "sol@x.test", status: "superseded", ended_at: new Date().toISOString() },
    ] as unknown as typeof s.view.invites;
    render(PeoplePanel, { props: { backend: backend(), screen: s } });
    const ended = view.getAllByTestId("ended-invite");
    expect(ended.map((e) => e.getAttribute("data-name"))).toEqual(["Sol", "Rae", "Quinn"]);
    expect(ended[2].querySelector("[data-testid=ended-state]")?.textContent).toBe("Expired 2 hours ago");
    expect(ended[1].querySelector("[data-testid=ended-state]")?.textContent).toBe("Declined just now · email failed: 550 mailbox full");
    expect(ended[0].querySelector("[data-testid=ended-state]")?.textContent).toBe("Ended — a colleague answered the request just now");
    // Only the pending one is under Invited, with its menu.
    expect(view.getAllByRole("button", { name: /^More actions for / }).map((b) => b.getAttribute("aria-label"))).toEqual([
      "More actions for Ana",
      "More actions for Chloe",
      "More actions for Pat",
    ]);
  });
});
