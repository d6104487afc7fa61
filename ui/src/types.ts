// The wire types the UI shows. They mirror convene-proto's DTOs (Rust is the source of truth).

export type AccountRole = "superadmin" | "admin" | "agent";
export type ParticipantRole = "owner" | "agent" | "contact";

export type Me =
  | { kind: "agent"; id: string; account_id: string; account_name: string; email: string; name: string; role: AccountRole }
  | { kind: "contact"; id: string; account_id: string; account_name: string; email: string; name: string };

export interface Conversation {
  id: string;
  subject: string;
  status: "open" | "closed";
  created_by: string;
  created_at: string;
  updated_at: string;
  my_role: ParticipantRole | null;
  participant_count: number;
}

export interface SessionInfo {
  server_url: string;
  me: Me;
}

export interface SyncOutcome {
  online: boolean;
  error: string | null;
  last_synced_at: string | null;
  conversations: Conversation[];
}

export interface AppDefaults {
  server_url: string;
  email: string;
  password: string;
  /** Sign in with these values at once (the run command's demo). */
  auto_sign_in: boolean;
}

/** What every backend call rejects with. */
export interface BackendError {
  code: string;
  message: string;
  field: string | null;
}

export function isBackendError(value: unknown): value is BackendError {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}
