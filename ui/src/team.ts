// The Admin area's calls, typed: each is one `TeamRequest` (generated from convene-client's
// `team.rs`), sent by whichever backend is in use; the answers carry Rust's verdicts.

import type { Backend } from "./backend";
import type { AccountRole, AccountSettings, Agent, AgentStatus, AuditFilter, AuditKind, AuditPage, AuditVia, Crew, CrewList, SettingsPage, TeamAgentList } from "./types";

export interface AgentFilter {
  q: string;
  role: AccountRole | null;
  status: AgentStatus | null;
  crew: string | null;
}

/** The audit log's filters as the Admin area sets them (every field; null filters nothing). */
export type AuditFilterInput = { [K in keyof AuditFilter]-?: Exclude<AuditFilter[K], undefined> };

/** The filters' query parameters, in the order of `AuditFilter::pairs` (convene-proto/src/audit.rs). */
export function auditQuery(f: AuditFilterInput): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of ["person", "conversation", "kind", "category", "q", "from", "to"] as const) {
    const value = f[key];
    if (value) query.set(key, value);
  }
  return query;
}

/** A day range picked in date inputs (YYYY-MM-DD, in the viewer's time zone) as the API's
 * moments: from the first day's midnight, until the midnight after the last day. */
export function dayRange(fromDay: string, toDay: string): { from: string | null; to: string | null } {
  const midnight = (day: string, plusDays: number) => {
    const [y, m, d] = day.split("-").map(Number);
    if (!y || !m || !d) return null;
    return new Date(y, m - 1, d + plusDays).toISOString();
  };
  return { from: fromDay ? midnight(fromDay, 0) : null, to: toDay ? midnight(toDay, 1) : null };
}

/** "participant_added" → "Participant added". */
export function auditKindLabel(kind: AuditKind): string {
  const words = kind.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const viaLabels: Record<AuditVia, string> = { app: "App", web: "Web", link: "Shareable Link", email: "Email", system: "Server" };
export const auditViaLabel = (via: AuditVia) => viaLabels[via];

/** The export's file name, the same on desktop and in the browser. */
export function auditFileName(format: "csv" | "json", at: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}-${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  return `convene-audit-${stamp}.${format}`;
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
  audit: (b: Backend, f: AuditFilterInput, before: string | null) => b.team({ op: "audit", ...f, before, limit: null }) as Promise<AuditPage>,
};
