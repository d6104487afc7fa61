import { cleanup, render, screen as view, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Backend } from "./backend";
import AdminAgents from "./components/admin/AdminAgents.svelte";
import AdminSettings from "./components/admin/AdminSettings.svelte";
import type { TeamAgentList, TeamRequest } from "./types";

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
