// The Admin area's calls, typed: each is one `TeamRequest` (generated from convene-client's
// `team.rs`), sent by whichever backend is in use; the answers carry Rust's verdicts.

import type { Backend } from "./backend";
import type { AccountRole, AccountSettings, Agent, AgentStatus, Crew, CrewList, SettingsPage, TeamAgentList } from "./types";

export interface AgentFilter {
  q: string;
  role: AccountRole | null;
  status: AgentStatus | null;
  crew: string | null;
}

export const team = {
  agents: (b: Backend, f: AgentFilter) => b.team({ op: "agents", ...f }) as Promise<TeamAgentList>,
  createAgent: (b: Backend, email: string, name: string, role: AccountRole) =>
    b.team({ op: "create_agent", email, name, role }) as Promise<Agent>,
  setRole: (b: Backend, agentId: string, role: AccountRole) => b.team({ op: "set_role", agent_id: agentId, role }) as Promise<Agent>,
  suspend: (b: Backend, agentId: string) => b.team({ op: "suspend", agent_id: agentId }) as Promise<Agent>,
  reactivate: (b: Backend, agentId: string) => b.team({ op: "reactivate", agent_id: agentId }) as Promise<Agent>,
  crews: async (b: Backend) => ((await b.team({ op: "crews" })) as CrewList).crews,
  createCrew: (b: Backend, name: string, callToAction: string, customerRequestable: boolean) =>
    b.team({ op: "create_crew", name, call_to_action: callToAction, customer_requestable: customerRequestable }) as Promise<Crew>,
  updateCrew: (b: Backend, crewId: string, change: { name?: string; call_to_action?: string; customer_requestable?: boolean }) =>
    b.team({ op: "update_crew", crew_id: crewId, name: change.name ?? null, call_to_action: change.call_to_action ?? null, customer_requestable: change.customer_requestable ?? null }) as Promise<Crew>,
  deleteCrew: (b: Backend, crewId: string) => b.team({ op: "delete_crew", crew_id: crewId }),
  settings: (b: Backend) => b.team({ op: "settings" }) as Promise<SettingsPage>,
  setSettings: (b: Backend, s: AccountSettings) => b.team({ op: "set_settings", ...s }) as Promise<SettingsPage>,
  setCrewMember: (b: Backend, crewId: string, agentId: string, member: boolean) =>
    b.team({ op: "set_crew_member", crew_id: crewId, agent_id: agentId, member }) as Promise<Crew>,
};
