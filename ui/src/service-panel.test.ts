import { cleanup, render, screen as view } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Backend } from "./backend";
import ServicePanel from "./components/ServicePanel.svelte";
import type { ConversationScreen, CrewChoice } from "./types";

function screenWith(updated: string, verdictAllowed = true): ConversationScreen {
  return {
    view: {
      conversation: { id: "c-1", subject: "Order", status: "open", created_by: "a-1", created_at: updated, updated_at: updated, my_role: "owner", participant_count: 1 },
      me: { account_role: "superadmin", participation: { role: "owner", state: "joined" }, pending_invite: false, contacts_may_invite: true, guest: false },
      participants: [],
      invites: [],
      service_requests: [],
    },
    timeline: { messages: [], pending: [], events: [] },
    verdicts: {
      permissions: [{ action: "invite_agents", allowed: verdictAllowed, who_may: "Members of the conversation", why: verdictAllowed ? null : "Only members of the conversation can do this" }],
      leave: { allowed: false, why: "last owner" },
      hand_over: [],
      people: [],
      invites: [],
    },
    queued: [],
  } as unknown as ConversationScreen;
}

const crews: CrewChoice[] = [
  { crew: { id: "k-1", name: "Billing", call_to_action: "Talk to Billing", customer_requestable: true, members: [], available: false }, request: { allowed: false, why: "Nobody in Billing can be asked right now" } },
];

function backend() {
  return {
    crewChoices: vi.fn(async () => crews),
    searchAgents: vi.fn(async (q: string) => [{ id: "a-2", email: "dev@x.test", name: `Dev ${q}`, role: "agent", status: "active" }]),
  } as unknown as Backend & { searchAgents: ReturnType<typeof vi.fn> };
}

afterEach(() => cleanup());

describe("the Service panel", () => {
  it("keeps what was typed into Add Agent's search, with the focus, through a background refresh", async () => {
    const b = backend();
    const { rerender } = render(ServicePanel, { props: { backend: b, screen: screenWith("2026-01-01T00:00:00Z"), tab: "agent" } });
    const search = view.getByRole("searchbox", { name: "Search agents" });
    const user = userEvent.setup();
    await user.click(search);
    await user.type(search, "de");
    // A background sync hands the panel a new screen.
    await rerender({ screen: screenWith("2026-01-01T00:05:00Z") });
    const after = view.getByRole("searchbox", { name: "Search agents" });
    expect(after).toBe(search);
    expect((after as HTMLInputElement).value).toBe("de");
    expect(document.activeElement).toBe(after);
    await vi.waitFor(() => expect(b.searchAgents).toHaveBeenLastCalledWith("de"));
    expect(await view.findByText("Dev de")).toBeTruthy();
  });

  it("shows each crew's verdict from Rust: disabled, with the reason, when nobody can be asked", async () => {
    render(ServicePanel, { props: { backend: backend(), screen: screenWith("2026-01-01T00:00:00Z"), tab: "request" } });
    const button = await view.findByRole("button", { name: "Talk to Billing" });
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(button.getAttribute("title")).toBe("Nobody in Billing can be asked right now");
  });

  it("greys out the Add Agent tab with Rust's reason when the user may not invite agents, and shows Request Service", async () => {
    render(ServicePanel, { props: { backend: backend(), screen: screenWith("2026-01-01T00:00:00Z", false), tab: "agent" } });
    const tab = view.getByRole("tab", { name: "Add Agent" }) as HTMLButtonElement;
    expect(tab.disabled).toBe(true);
    expect(tab.getAttribute("title")).toBe("Only members of the conversation can do this");
    expect(view.queryByRole("searchbox", { name: "Search agents" })).toBeNull();
    expect(await view.findByRole("button", { name: "Talk to Billing" })).toBeTruthy();
  });
});
