import { cleanup, render, screen as view, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Backend } from "./backend";
import AdminAgents from "./components/admin/AdminAgents.svelte";
import AdminAudit from "./components/admin/AdminAudit.svelte";
import AdminCrews from "./components/admin/AdminCrews.svelte";
import AdminSettings from "./components/admin/AdminSettings.svelte";
import type { AuditEntry, AuditPage, TeamAgentList, TeamRequest } from "./types";
import { dayRange } from "./team";

const yes = { allowed: true, why: null };
const superOnly = { allowed: false, why: "Only SuperAdmins manage SuperAdmins" };

const list: TeamAgentList = {
  creatable_roles: ["admin", "agent"],
  agents: [
    {
      agent: { id: "a-1", email: "ana@x.test", name: "Ana Lima", role: "superadmin", status: "active" },
      crews: [],
      roles: [
        { role: "agent", verdict: superOnly },
        { role: "admin", verdict: superOnly },
        { role: "superadmin", verdict: superOnly },
      ],
      may_suspend: superOnly,
      may_reactivate: { allowed: false, why: "Already active" },
      may_crew: superOnly,
    },
    {
      agent: { id: "a-2", email: "dev@x.test", name: "Dev Patel", role: "agent", status: "active" },
      crews: [{ id: "k-1", name: "Billing" }],
      roles: [
        { role: "agent", verdict: yes },
        { role: "admin", verdict: yes },
        { role: "superadmin", verdict: superOnly },
      ],
      may_suspend: yes,
      may_reactivate: { allowed: false, why: "Already active" },
      may_crew: yes,
    },
  ],
};

function backend(answer: (r: TeamRequest) => unknown = () => list) {
  return { team: vi.fn(async (r: TeamRequest) => answer(r)) } as unknown as Backend & { team: ReturnType<typeof vi.fn> };
}

afterEach(() => cleanup());

describe("Admin → Agents", () => {
  it("greys out what the viewer may not do, with the server's reason, and filters as one types", async () => {
    const b = backend();
    render(AdminAgents, { props: { backend: b } });
    const rows = await view.findAllByTestId("team-agent");
    expect(rows).toHaveLength(2);
    const ana = within(rows[0]);
    const suspendAna = ana.getByRole("button", { name: "Suspend" });
    expect((suspendAna as HTMLButtonElement).disabled).toBe(true);
    expect(suspendAna.getAttribute("title")).toBe("Only SuperAdmins manage SuperAdmins");
    expect((ana.getByRole("combobox", { name: "Role of Ana Lima" }) as HTMLSelectElement).disabled).toBe(true);
    const dev = within(rows[1]);
    expect((dev.getByRole("button", { name: "Suspend" }) as HTMLButtonElement).disabled).toBe(false);
    const devRole = dev.getByRole("combobox", { name: "Role of Dev Patel" }) as HTMLSelectElement;
    const superOption = Array.from(devRole.options).find((o) => o.value === "superadmin");
    expect(superOption?.disabled).toBe(true);
    expect(dev.getByText("Billing")).toBeTruthy();

    await userEvent.setup().type(view.getByRole("searchbox", { name: "Search agents by name or email" }), "dev");
    await vi.waitFor(() => expect(b.team).toHaveBeenLastCalledWith({ op: "agents", q: "dev", role: null, status: null, crew: null }));
  });

  it("says a refused new agent's problem under the field it names", async () => {
    const b = backend((r) => {
      if (r.op === "create_agent") throw { code: "invalid_input", message: "email is not a valid address", field: "email" };
      return list;
    });
    render(AdminAgents, { props: { backend: b } });
    await view.findAllByTestId("team-agent");
    const user = userEvent.setup();
    await user.type(view.getByRole("textbox", { name: "Name" }), "Gus Grant");
    await user.type(view.getByRole("textbox", { name: "Email" }), "gus@");
    await user.click(view.getByRole("button", { name: "Add agent" }));
    const alert = await view.findByRole("alert");
    expect(alert.textContent).toBe("email is not a valid address");
    expect(view.getByRole("textbox", { name: "Email" }).getAttribute("aria-invalid")).toBe("true");
    expect(b.team).toHaveBeenCalledWith({ op: "create_agent", email: "gus@", name: "Gus Grant", role: "agent" });
  });
});

describe("Admin → Settings", () => {
  const page = (allowed: boolean) => ({
    settings: { contacts_may_invite: true, email_from_name: null, email_from_address: null, invite_ttl_days: null },
    server_from: "Convene <no-reply@convene.invalid>",
    default_invite_ttl_days: 14,
    may_edit: allowed ? { allowed: true, why: null } : { allowed: false, why: "Only SuperAdmins change the account's settings" },
  });

  it("is read-only, saying why, for an admin", async () => {
    const b = backend(() => page(false));
    render(AdminSettings, { props: { backend: b } });
    expect((await view.findByTestId("settings-readonly")).textContent).toBe("Only SuperAdmins change the account's settings");
    expect((view.getByRole("button", { name: "Save settings" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("sends what a superadmin set and says a refusal under its field", async () => {
    const b = backend((r) => {
      if (r.op === "set_settings") throw { code: "invalid_input", message: "invite_ttl_days must be between 1 and 90", field: "invite_ttl_days" };
      return page(true);
    });
    render(AdminSettings, { props: { backend: b } });
    const user = userEvent.setup();
    await user.type(await view.findByRole("textbox", { name: "Emails come from (address)" }), "support@acme.example");
    await user.type(view.getByRole("spinbutton", { name: "Email invites last (days)" }), "120");
    await user.click(view.getByRole("button", { name: "Save settings" }));
    expect((await view.findByRole("alert")).textContent).toBe("invite_ttl_days must be between 1 and 90");
    expect(b.team).toHaveBeenLastCalledWith({ op: "set_settings", contacts_may_invite: true, email_from_name: null, email_from_address: "support@acme.example", invite_ttl_days: 120 });
  });
});

describe("Admin → Audit log", () => {
  const entry = (n: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
    id: `e-${n}`,
    at: "2026-12-03T09:00:00Z",
    kind: "participant_added",
    category: "membership",
    actor: { kind: "agent", id: "a-1", name: "Ana Lima" },
    target: { kind: "agent", id: "a-2", name: "Dev Patel" },
    conversation: { id: "c-1", subject: "Order 1042" },
    via: "app",
    summary: `Ana Lima added Dev Patel (${n})`,
    ip: "203.0.113.9",
    ...over,
  });
  const noFilter = { person: null, conversation: null, kind: null, category: null, q: null, from: null, to: null };

  it("pages older entries with the cursor and filters by a person or conversation clicked in a row", async () => {
    const b = backend((r): AuditPage => {
      if (r.op !== "audit") throw new Error(r.op);
      if (r.before === "e-2") return { entries: [entry(3)], next: null };
      if (r.person || r.conversation) return { entries: [entry(9)], next: null };
      return { entries: [entry(1), entry(2, { target: null, conversation: null, via: "system", actor: { kind: "system", id: null, name: "Convene" } })], next: "e-2" };
    });
    render(AdminAudit, { props: { backend: b } });
    expect(await view.findAllByTestId("audit-entry")).toHaveLength(2);
    expect(b.team).toHaveBeenLastCalledWith({ op: "audit", ...noFilter, before: null, limit: null });
    const user = userEvent.setup();
    await user.click(view.getByRole("button", { name: "Load older" }));
    await vi.waitFor(() => expect(view.getAllByTestId("audit-entry")).toHaveLength(3));
    expect(view.queryByRole("button", { name: "Load older" })).toBeNull();
    expect(b.team).toHaveBeenLastCalledWith({ op: "audit", ...noFilter, before: "e-2", limit: null });

    // The server is not a person one can filter by.
    expect(within(view.getAllByTestId("audit-entry")[1]).queryByRole("button", { name: "Convene" })).toBeNull();
    await user.click(within(view.getAllByTestId("audit-entry")[0]).getByRole("button", { name: "Dev Patel" }));
    await vi.waitFor(() => expect(view.getAllByTestId("audit-entry")).toHaveLength(1));
    expect(b.team).toHaveBeenLastCalledWith({ op: "audit", ...noFilter, person: "a-2", before: null, limit: null });
    expect(view.getByTestId("audit-person-filter").textContent).toContain("Dev Patel");
    await user.click(within(view.getAllByTestId("audit-entry")[0]).getByRole("button", { name: "Order 1042" }));
    await vi.waitFor(() => expect(b.team).toHaveBeenLastCalledWith({ op: "audit", ...noFilter, person: "a-2", conversation: "c-1", before: null, limit: null }));
    await user.click(view.getByRole("button", { name: "Stop filtering by Dev Patel" }));
    await vi.waitFor(() => expect(b.team).toHaveBeenLastCalledWith({ op: "audit", ...noFilter, conversation: "c-1", before: null, limit: null }));
  });

  it("narrows the kinds to the chosen category and sends the day range as moments", async () => {
    const b = backend(() => ({ entries: [], next: null }));
    render(AdminAudit, { props: { backend: b } });
    await view.findByText("No change matches.");
    const user = userEvent.setup();
    await user.selectOptions(view.getByRole("combobox", { name: "Category" }), "link");
    const kinds = Array.from((view.getByRole("combobox", { name: "Kind" }) as HTMLSelectElement).options).map((o) => o.value);
    expect(kinds).toEqual(["", "link_changed", "link_rotated"]);
    await user.selectOptions(view.getByRole("combobox", { name: "Kind" }), "link_rotated");
    await vi.waitFor(() => expect(b.team).toHaveBeenLastCalledWith({ op: "audit", ...noFilter, category: "link", kind: "link_rotated", before: null, limit: null }));
    // Another category drops a kind that is not one of its own.
    await user.selectOptions(view.getByRole("combobox", { name: "Category" }), "settings");
    await vi.waitFor(() => expect(b.team).toHaveBeenLastCalledWith({ op: "audit", ...noFilter, category: "settings", before: null, limit: null }));
    const range = dayRange("2026-12-01", "2026-12-02");
    expect(new Date(range.from!).getTime()).toBe(new Date(2026, 11, 1).getTime());
    expect(new Date(range.to!).getTime()).toBe(new Date(2026, 11, 3).getTime());
  });

  it("says a refusal instead of an empty log", async () => {
    const b = backend(() => {
      throw { code: "forbidden", message: "Only admins and SuperAdmins read the audit log", field: null };
    });
    render(AdminAudit, { props: { backend: b } });
    expect((await view.findByRole("alert")).textContent).toBe("Only admins and SuperAdmins read the audit log");
    expect(view.queryByText("No change matches.")).toBeNull();
  });
});

describe("Admin → Crews", () => {
  it("greys out adding or removing a superadmin for an admin, with Rust's reason", async () => {
    const crew = { id: "k-1", name: "Billing", call_to_action: "Ask billing", customer_requestable: false, available: true, members: [{ id: "a-1", name: "Ana Lima", email: "ana@x.test", role: "superadmin", status: "active" }] };
    const b = backend((r) => (r.op === "crews" ? { crews: [crew] } : list));
    render(AdminCrews, { props: { backend: b } });
    const remove = await view.findByRole("button", { name: "Remove Ana Lima from Billing" });
    expect((remove as HTMLButtonElement).disabled).toBe(true);
    expect(remove.getAttribute("title")).toBe("Only SuperAdmins manage SuperAdmins");
    expect(b.team).toHaveBeenCalledWith({ op: "agents", q: "", role: null, status: null, crew: null });
    const add = view.getByRole("combobox", { name: "Add an agent to Billing" }) as HTMLSelectElement;
    const dev = Array.from(add.options).find((o) => o.value === "a-2");
    expect(dev?.disabled).toBe(false);
  });
});
