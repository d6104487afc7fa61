// The wire types the UI shows. They mirror convene-proto's DTOs (Rust is the source of truth).

export type AccountRole = "superadmin" | "admin" | "agent";
export type ParticipantRole = "owner" | "agent" | "contact";

export type Me =
  | { kind: "agent"; id: string; account_id: string; account_name: string; email: string; name: string; role: AccountRole }
  | {
      kind: "contact";
      id: string;
      account_id: string;
      account_name: string;
      email: string;
      name: string;
      /** False for a guest: joined through a Shareable Link, email not proven, sees only what it joined. */
      email_verified: boolean;
    };

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

/** What a refresh tells the UI (the list itself is read through `home`). */
export interface RefreshOutcome {
  online: boolean;
  /** The server ended the session (desktop): "Signed out — sign in again", cache and queue kept. */
  signed_out?: boolean;
  error: string | null;
  last_synced_at: string | null;
}

export interface SyncOutcome extends RefreshOutcome {
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
  /** With `choose_account`: the accounts this email and password sign in to. */
  accounts?: AccountChoice[];
}

export interface AccountChoice {
  id: string;
  name: string;
}

export function isBackendError(value: unknown): value is BackendError {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}

export type ParticipantState = "invited" | "joined" | "left" | "removed";
export type InviteStatus = "pending" | "accepted" | "declined" | "revoked" | "expired" | "superseded";
export type Kind = "agent" | "contact";

export interface Participant {
  id: string;
  conversation_id: string;
  kind: Kind;
  agent_id: string | null;
  contact_id: string | null;
  name: string;
  email: string;
  /** False for a guest of the Shareable Link whose email nobody has proven. */
  email_verified: boolean;
  role: ParticipantRole;
  state: ParticipantState;
  added_by: string | null;
  via: string;
  updated_at: string;
}

export interface Invite {
  id: string;
  conversation_id: string;
  conversation_subject: string;
  kind: Kind;
  participant_id: string;
  agent_id: string | null;
  contact_id: string | null;
  invitee_name: string;
  invitee_email: string;
  invited_by: string;
  status: InviteStatus;
  delivery: "queued" | "sent" | "failed" | null;
  delivery_error: string | null;
  send_count: number;
  last_sent_at: string | null;
  expires_at: string | null;
  service_request_id: string | null;
  created_at: string;
}

export interface ServiceRequest {
  id: string;
  conversation_id: string;
  crew_id: string;
  crew_name: string;
  requested_by: string;
  created_at: string;
  notified: number;
  status: "open" | "fulfilled";
  fulfilled_by: string | null;
  fulfilled_at: string | null;
}

export interface Message {
  id: string;
  conversation_id: string;
  author_name: string;
  author_kind: Kind;
  body: string;
  created_at: string;
}

export interface TimelineEvent {
  id: string;
  conversation_id: string;
  kind: string;
  actor: string;
  text: string;
  created_at: string;
}

export interface Agent {
  id: string;
  email: string;
  name: string;
  role: AccountRole;
  status: "active" | "suspended";
}

export interface Contact {
  id: string;
  email: string;
  name: string;
}

export interface Crew {
  id: string;
  name: string;
  call_to_action: string;
  customer_requestable: boolean;
  members: Agent[];
}

export interface ShareLink {
  url: string;
  enabled: boolean;
  expires_at: string | null;
  max_uses: number | null;
  uses: number;
  joined: Participant[];
}

export type PolicyAction =
  | "see"
  | "invite_agents"
  | "request_customer_crew"
  | "invite_contact"
  | "copy_share_link"
  | "manage_share_link"
  | "resend_invite"
  | "revoke_any_invite"
  | "revoke_own_invite"
  | "remove_user"
  | "leave"
  | "post_message"
  | "answer_invite"
  | "make_owner";

export interface Permission {
  action: PolicyAction;
  allowed: boolean;
  who_may: string;
}

export interface QueuedAction {
  seq: number;
  idempotency_key: string;
  conversation_id: string | null;
  action: { kind: string; [key: string]: unknown };
  state: "pending" | "failed";
  attempts: number;
  last_error: string | null;
  created_at: string;
}

/** `signed_out`: the server ended the session (401); the cache and the queued actions are kept. */
export type SyncState = "online" | "offline" | "syncing" | "signed_out";

/** What a list row shows of its conversation (the desktop sends only this; a whole Conversation fits too). */
export type ListConversation = Pick<Conversation, "id" | "subject" | "updated_at" | "my_role" | "participant_count">;

export interface ListEntry {
  conversation: ListConversation;
  invited: boolean;
  pending_actions: number;
}

export interface Home {
  conversations: ListEntry[];
  invites: Invite[];
  queued: QueuedAction[];
  state: SyncState;
  last_synced_at: string | null;
}

export interface ConversationScreen {
  view: {
    conversation: Conversation;
    me: unknown;
    participants: Participant[];
    invites: Invite[];
    service_requests: ServiceRequest[];
  };
  timeline: { messages: Message[]; pending: [string, number][]; events: TimelineEvent[] };
  /** Computed in Rust (convene_proto::screen::verdicts) by the desktop core or the server. */
  verdicts: Verdicts;
  queued: QueuedAction[];
}

/** Whether the user may do one thing, and why not. */
export interface Verdict {
  allowed: boolean;
  why: string | null;
}

export interface Verdicts {
  permissions: Permission[];
  leave: Verdict;
  people: { participant_id: string; remove: Verdict; make_owner: Verdict }[];
  invites: { invite_id: string; revoke: Verdict; resend: Verdict }[];
}

/** A crew as Request Service offers it, with the user's verdict. */
export interface CrewChoice {
  crew: Crew;
  request: Verdict;
}

/** `GET /api/v1/conversations/{id}/screen`. */
export interface ScreenPage {
  snapshot: ConversationScreen["view"];
  verdicts: Verdicts;
  crews: CrewChoice[];
  messages: Message[];
  events: TimelineEvent[];
}

/** An action for the durable outbox; mirrors convene_client::Action. */
export type OutboxAction =
  | { kind: "invite_agent"; conversation_id: string; agent_id: string }
  | { kind: "request_service"; conversation_id: string; crew_id: string }
  | { kind: "invite_contact"; conversation_id: string; request: { email?: string; name?: string; contact_id?: string } }
  | { kind: "resend_invite"; conversation_id: string; invite_id: string }
  | { kind: "revoke_invite"; conversation_id: string; invite_id: string }
  | { kind: "accept_invite"; conversation_id: string; invite_id: string }
  | { kind: "decline_invite"; conversation_id: string; invite_id: string }
  | { kind: "remove_participant"; conversation_id: string; participant_id: string }
  | { kind: "make_owner"; conversation_id: string; participant_id: string }
  | { kind: "leave"; conversation_id: string }
  | { kind: "patch_share_link"; conversation_id: string; patch: { enabled?: boolean; expires_at?: string | null; max_uses?: number | null } }
  | { kind: "rotate_share_link"; conversation_id: string };

/** Something the core reports as it happens; mirrors convene_client::ClientEvent. */
export type CoreEvent =
  | { type: "sync_state"; state: SyncState }
  | { type: "invited"; invite: Invite }
  | { type: "service_requested"; invite: Invite }
  | { type: "conversation_changed"; conversation_id: string }
  | { type: "access_lost"; conversation_id: string }
  | { type: "outbox_changed" }
  | { type: "action_failed"; seq: number; label: string; reason: string }
  | { type: "notice"; text: string };
