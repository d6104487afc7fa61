// Generated from the Rust types by `cargo xtask types` (convene-client/src/typescript.rs).
// Do not edit: change the Rust type and run it again; the test command fails while this is stale.

/**
 * An account a person may sign in to, as sign-in offers it.
 */
export type AccountChoice = { id: AccountId, name: string, };

/**
 * One business.
 */
export type AccountId = string;

/**
 * An agent's role in the whole account.
 */
export type AccountRole = "superadmin" | "admin" | "agent";

/**
 * The account's settings (`PUT /api/v1/team/settings`); `None` is the server's default.
 */
export type AccountSettings = { 
/**
 * May joined contacts invite other contacts?
 */
contacts_may_invite: boolean, 
/**
 * The name the account's emails come from, e.g. "Acme Support".
 */
email_from_name: string | null, 
/**
 * The address the account's emails come from (it must be one your mail relay may send as).
 */
email_from_address: string | null, 
/**
 * How many days an email invite lasts (1–90; default 14).
 */
invite_ttl_days: number | null, };

/**
 * Who is asking, relative to one conversation.
 */
export type Actor = { 
/**
 * `Some(role)` for an agent of the account, `None` for a contact.
 */
account_role: AccountRole | null, 
/**
 * The caller's participation in the conversation, if any.
 */
participation: Participation | null, 
/**
 * Whether the caller holds a pending invite to the conversation.
 */
pending_invite: boolean, 
/**
 * The account's setting: may joined contacts invite other contacts?
 */
contacts_may_invite: boolean, 
/**
 * A guest: a contact who joined through a Shareable Link and has not proven their email.
 * A guest may take part in the conversation (read, post, ask a customer crew, leave) but not
 * reach beyond it: no inviting others by email, no copying the link on.
 */
guest: boolean, 
/**
 * The conversation is closed: it reads as before, but nothing is added to it (no messages,
 * no invites, no joining) until an owner or admin reopens it.
 */
closed: boolean, };

/**
 * An agent as others see them.
 */
export type Agent = { id: AgentId, email: string, name: string, role: AccountRole, status: AgentStatus, };

/**
 * An employee user of an account.
 */
export type AgentId = string;

/**
 * `GET /api/v1/agents`.
 */
export type AgentList = { agents: Array<Agent>, };

/**
 * Whether an agent may sign in.
 */
export type AgentStatus = "active" | "suspended";

/**
 * The groups the Admin area filters by.
 */
export type AuditCategory = "membership" | "invites" | "link" | "directory" | "settings";

/**
 * The conversation an entry is about.
 */
export type AuditConversation = { id: ConversationId, 
/**
 * Its subject at the time of the change.
 */
subject: string, };

/**
 * One recorded change.
 */
export type AuditEntry = { id: string, at: string, kind: AuditKind, category: AuditCategory, actor: AuditParty, target: AuditParty | null, conversation: AuditConversation | null, via: AuditVia, 
/**
 * The change in words, as the timeline says it.
 */
summary: string, 
/**
 * The address the request came from, when it came in a request.
 */
ip: string | null, };

/**
 * The filters of the audit log (`GET /api/v1/team/audit` and its export), as the Admin area sets
 * them; empty or absent fields filter nothing.
 */
export type AuditFilter = { 
/**
 * An agent's or contact's id: what they did, and what was done to them.
 */
person: string | null, 
/**
 * Only changes to this conversation (its id).
 */
conversation: string | null, 
/**
 * Only this kind of change.
 */
kind: AuditKind | null, 
/**
 * Only this group of kinds.
 */
category: AuditCategory | null, 
/**
 * Words in the names, the conversation's subject or the summary.
 */
q: string | null, 
/**
 * From this moment on (RFC 3339, inclusive).
 */
from: string | null, 
/**
 * Until this moment (RFC 3339, exclusive).
 */
to: string | null, };

/**
 * The export's formats.
 */
export type AuditFormat = "csv" | "json";

/**
 * Every kind of change the audit log records. The conversation kinds are also the timeline
 * event kinds of the same change.
 */
export type AuditKind = "conversation_created" | "conversation_closed" | "conversation_reopened" | "participant_added" | "participant_joined" | "participant_left" | "participant_removed" | "owner_added" | "email_verified" | "agent_invited" | "contact_invited" | "service_requested" | "service_request_fulfilled" | "invite_resent" | "invite_revoked" | "invite_declined" | "invite_expired" | "invite_superseded" | "link_changed" | "link_rotated" | "agent_created" | "agent_role_changed" | "agent_suspended" | "agent_reactivated" | "password_changed" | "password_reset_requested" | "crew_created" | "crew_updated" | "crew_deleted" | "crew_member_added" | "crew_member_removed" | "settings_changed";

/**
 * `GET /api/v1/team/audit`: one page, newest first.
 */
export type AuditPage = { entries: Array<AuditEntry>, 
/**
 * Pass as `before` for the next (older) page; `None` on the last page.
 */
next: string | null, };

/**
 * One party of an entry: who acted, or what was acted on.
 */
export type AuditParty = { kind: AuditPartyKind, 
/**
 * Its id (`None` for the server itself).
 */
id: string | null, 
/**
 * Its name at the time of the change.
 */
name: string, };

/**
 * What kind of party acted or was acted on.
 */
export type AuditPartyKind = "agent" | "contact" | "crew" | "invite" | "link" | "account" | "conversation" | "system";

/**
 * How a change came in.
 */
export type AuditVia = "app" | "web" | "link" | "email" | "system";

/**
 * `PUT /api/v1/me/password`: a signed-in agent changes their own password.
 */
export type ChangePassword = { current_password: string, new_password: string, };

/**
 * A person outside the business.
 */
export type Contact = { id: ContactId, email: string, name: string, };

/**
 * A person outside the business.
 */
export type ContactId = string;

/**
 * `POST /api/v1/conversations/{id}/contact-invites`: a new or known email, or a known contact.
 */
export type ContactInviteRequest = { 
/**
 * A new or known email address (with an optional `name`); or give `contact_id`.
 */
email?: string, name?: string, 
/**
 * A known contact of the account, instead of `email`.
 */
contact_id?: ContactId, };

/**
 * `GET /api/v1/contacts`.
 */
export type ContactList = { contacts: Array<Contact>, };

/**
 * A conversation as its members see it.
 */
export type Conversation = { id: ConversationId, subject: string, status: ConversationStatus, created_by: AgentId, created_at: string, updated_at: string, 
/**
 * The caller's own role in it, if they are a participant.
 */
my_role: ParticipantRole | null, 
/**
 * How many participants have joined.
 */
participant_count: number, };

/**
 * A conversation.
 */
export type ConversationId = string;

/**
 * `GET /api/v1/conversations`.
 */
export type ConversationList = { conversations: Array<Conversation>, };

/**
 * One conversation on screen.
 */
export type ConversationScreen = { view: ConversationSnapshot, timeline: Timeline, 
/**
 * What the user may do here and to each item, and why not: the same function the server
 * runs for the web client.
 */
verdicts: Verdicts, 
/**
 * Queued or failed actions about this conversation.
 */
queued: Array<QueuedAction>, 
/**
 * The user muted it (no notifications, not in the badge).
 */
muted: boolean, };

/**
 * Everything the client caches about one conversation, as of now.
 */
export type ConversationSnapshot = { conversation: Conversation, 
/**
 * The user relative to this conversation, for the shared permission table.
 */
me: Actor, 
/**
 * The joined participants, then the removed ones (`state` says which).
 */
participants: Array<Participant>, 
/**
 * The pending invites and the ones that ended without the person joining (declined,
 * revoked, superseded, expired; `status` and `ended_at` say which and when), oldest first.
 */
invites: Array<Invite>, service_requests: Array<ServiceRequest>, };

/**
 * Whether a conversation is still being worked on.
 */
export type ConversationStatus = "open" | "closed";

/**
 * An event for the app (notifications, badges, refreshing what is on screen).
 */
export type CoreEvent = { "type": "sync_state", state: SyncState, } | { "type": "invited", invite: Invite, } | { "type": "service_requested", invite: Invite, } | { "type": "new_message", message: Message, subject: string, } | { "type": "conversation_changed", conversation_id: ConversationId, } | { "type": "access_lost", conversation_id: ConversationId, } | { "type": "outbox_changed" } | { "type": "action_failed", seq: number, label: string, reason: string, } | { "type": "action_waiting", seq: number, label: string, reason: string, retry_after_secs: number, } | { "type": "notice", text: string, };

/**
 * `POST /api/v1/agents`.
 */
export type CreateAgent = { email: string, name: string, role: AccountRole, 
/**
 * Leave out to email the new agent a link to choose their own password (the usual way); an
 * admin-chosen password is for scripts and tests.
 */
password: string | null, };

/**
 * `POST /api/v1/crews`.
 */
export type CreateCrew = { name: string, call_to_action: string, customer_requestable: boolean, };

/**
 * A named team of agents.
 */
export type Crew = { id: CrewId, name: string, call_to_action: string, customer_requestable: boolean, members: Array<Agent>, 
/**
 * Someone in it can be asked now (an active member); contacts see this, not the members.
 */
available: boolean, };

/**
 * A crew as Request Service offers it: whether the user may ask it in, and if not, why.
 */
export type CrewChoice = { crew: Crew, request: Verdict, };

/**
 * A named team of agents.
 */
export type CrewId = string;

/**
 * `GET /api/v1/crews`.
 */
export type CrewList = { crews: Array<Crew>, };

/**
 * A crew an agent belongs to, as the agents list names it.
 */
export type CrewRef = { id: CrewId, name: string, };

/**
 * Whether an invite's email went out.
 */
export type Delivery = "queued" | "sent" | "failed";

/**
 * The answer to [`EmailLinkRequest`]: the same whether or not the address is known.
 */
export type EmailLinkAccepted = { message: string, };

/**
 * Stable machine-readable error codes. Clients branch on these, never on the human text.
 */
export type ErrorCode = "unauthenticated" | "forbidden" | "not_found" | "invalid_input" | "malformed_body" | "payload_too_large" | "conflict" | "rate_limited" | "link_invalid" | "internal" | "busy" | "storage_full" | "storage_unavailable" | "choose_account";

/**
 * One line of a conversation's timeline and the account's audit log.
 */
export type EventId = string;

/**
 * The home screen: the list, the invites, the outbox, the connection.
 */
export type Home = { conversations: Array<ListEntry>, invites: Array<Invite>, queued: Array<QueuedAction>, state: SyncState, last_synced_at: string | null, };

/**
 * `GET /api/v1/home`: the web client's conversation list, rows as the desktop app builds them.
 */
export type HomeList = { 
/**
 * Joined conversations, and those the user is invited to (`invited`), newest first.
 */
conversations: Array<ListEntry>, 
/**
 * Pending invites addressed to the user, oldest first.
 */
invites: Array<Invite>, };

/**
 * A request for someone to join.
 */
export type Invite = { id: InviteId, conversation_id: ConversationId, conversation_subject: string, kind: InviteeKind, participant_id: ParticipantId, agent_id: AgentId | null, contact_id: ContactId | null, invitee_name: string, invitee_email: string, invited_by: string, 
/**
 * Who sent it, when an agent did (for "revoke your own invite").
 */
invited_by_agent: AgentId | null, 
/**
 * Who sent it, when a contact did.
 */
invited_by_contact: ContactId | null, status: InviteStatus, 
/**
 * Email delivery, for contact invites.
 */
delivery: Delivery | null, delivery_error: string | null, 
/**
 * How many times it was sent (1 after the first send).
 */
send_count: number, last_sent_at: string | null, expires_at: string | null, service_request_id: ServiceRequestId | null, created_at: string, 
/**
 * When it ended (accepted, declined, revoked, superseded, expired); `None` while pending.
 */
ended_at: string | null, };

/**
 * A pending (or answered) request for someone to join.
 */
export type InviteId = string;

/**
 * The answer to an invite request: the invite, and whether it is new.
 */
export type InviteOutcome = { invite: Invite | null, 
/**
 * `already_joined`, `already_invited` or `invited`.
 */
outcome: string, 
/**
 * Why nothing was sent, in words for the user (`None` when invited).
 */
message: string | null, };

/**
 * Where an invite stands.
 */
export type InviteStatus = "pending" | "accepted" | "declined" | "revoked" | "expired" | "superseded";

/**
 * What the user may do to one pending invite.
 */
export type InviteVerdicts = { invite_id: InviteId, 
/**
 * Revoke invite (their own, or any for owners and admins).
 */
revoke: Verdict, 
/**
 * Resend Invite.
 */
resend: Verdict, 
/**
 * Remove User on the invitee (ends the invite).
 */
remove: Verdict, };

/**
 * Who an invite is for.
 */
export type InviteeKind = "agent" | "contact";

/**
 * What to do with a `convene://join` link (see [`Client::join_plan`]).
 */
export type JoinPlan = { "kind": "redeem" } | { "kind": "open_in_browser", url: string, notice: string, };

/**
 * The last message of a conversation, as its row previews it.
 */
export type LastMessage = { author_name: string, author_kind: InviteeKind, 
/**
 * The start of the message on one line: runs of white space (new lines included) become one
 * space, and a longer message ends in "…".
 */
excerpt: string, at: string, };

/**
 * What a row of the conversation list shows of its conversation, and no more: the whole list
 * crosses IPC at once, and with 10,000 cached conversations every field is 10,000 fields.
 */
export type ListConversation = { id: ConversationId, subject: string, status: ConversationStatus, updated_at: string, my_role: ParticipantRole | null, participant_count: number, 
/**
 * The first joined customers (contacts) by name, at most [`NAMED_CUSTOMERS`].
 */
customers: Array<string>, 
/**
 * How many customers have joined in all.
 */
customer_count: number, 
/**
 * The newest message, if any.
 */
last_message: LastMessage | null, 
/**
 * Messages by others newer than the user's read position, counted up to
 * [`crate::reading::UNREAD_CAP`] + 1 (shown as "99+").
 */
unread: number, 
/**
 * The user muted it: no notifications, not in the badge.
 */
muted: boolean, };

/**
 * A row of the conversation list.
 */
export type ListEntry = { conversation: ListConversation, 
/**
 * The user holds a pending invite to it (shown under "Invites").
 */
invited: boolean, 
/**
 * Actions about it still waiting in the desktop app's outbox (always 0 from the server).
 */
pending_actions: number, };

/**
 * The answer to a successful sign-in.
 */
export type LoginResponse = { 
/**
 * Bearer token for `Authorization: Bearer …`. Shown once; the server keeps only its hash.
 */
token: string, me: Me, };

/**
 * Who the caller is: an agent of an account, or a contact.
 */
export type Me = { "kind": "agent", id: AgentId, account_id: AccountId, account_name: string, email: string, name: string, role: AccountRole, 
/**
 * Whether they may open the Admin area (agents, crews, settings), and why not.
 */
admin: Verdict, } | { "kind": "contact", id: ContactId, account_id: AccountId, account_name: string, email: string, name: string, 
/**
 * `false` for a guest: someone who joined through a Shareable Link and has not proven
 * that `email` is theirs. A guest reaches only the conversations joined through links
 * with this identity; following a sign-in link sent to the address proves it.
 */
email_verified: boolean, };

/**
 * A message in the timeline.
 */
export type Message = { id: MessageId, conversation_id: ConversationId, author_name: string, author_kind: InviteeKind, 
/**
 * The author's agent or contact id, so that a reader can tell their own messages (which
 * are never unread). Empty in messages cached before it was sent.
 */
author_id: string, body: string, created_at: string, };

/**
 * A message in a conversation.
 */
export type MessageId = string;

/**
 * `GET /api/v1/conversations/{id}/messages?before=&limit=`: one page of a conversation's
 * messages, newest first.
 */
export type MessagePage = { 
/**
 * Newest first.
 */
messages: Array<Message>, 
/**
 * Pass as `before` for the next older page; `None`: this page holds the oldest message.
 */
older: string | null, };

/**
 * Something the user did, waiting to reach the server.
 */
export type OutboxAction = { "kind": "post_message", conversation_id: ConversationId, local_id: MessageId, body: string, author_name: string, author_kind: InviteeKind, 
/**
 * The author's id (the signed-in user), so their own message is never unread.
 */
author_id: string, } | { "kind": "invite_agent", conversation_id: ConversationId, agent_id: AgentId, } | { "kind": "request_service", conversation_id: ConversationId, crew_id: CrewId, } | { "kind": "invite_contact", conversation_id: ConversationId, request: ContactInviteRequest, } | { "kind": "resend_invite", conversation_id: ConversationId, invite_id: InviteId, } | { "kind": "revoke_invite", conversation_id: ConversationId, invite_id: InviteId, } | { "kind": "accept_invite", conversation_id: ConversationId, invite_id: InviteId, } | { "kind": "decline_invite", conversation_id: ConversationId, invite_id: InviteId, } | { "kind": "remove_participant", conversation_id: ConversationId, participant_id: ParticipantId, } | { "kind": "make_owner", conversation_id: ConversationId, participant_id: ParticipantId, } | { "kind": "leave", conversation_id: ConversationId, } | { "kind": "close", conversation_id: ConversationId, } | { "kind": "reopen", conversation_id: ConversationId, } | { "kind": "patch_share_link", conversation_id: ConversationId, patch: ShareLinkPatch, } | { "kind": "rotate_share_link", conversation_id: ConversationId, };

/**
 * A person's membership of a conversation.
 */
export type Participant = { id: ParticipantId, conversation_id: ConversationId, kind: InviteeKind, agent_id: AgentId | null, contact_id: ContactId | null, name: string, email: string, 
/**
 * `false` for a guest who joined through the Shareable Link with an email nobody has proven
 * (shown as "email not verified"); agents and invited contacts are `true`.
 */
email_verified: boolean, role: ParticipantRole, state: ParticipantState, 
/**
 * Name of whoever added them (none for the creator).
 */
added_by: string | null, via: Via, updated_at: string, };

/**
 * A person's membership of a conversation.
 */
export type ParticipantId = string;

/**
 * A participant's role inside one conversation.
 */
export type ParticipantRole = "owner" | "agent" | "contact";

/**
 * Where a participant's membership stands.
 */
export type ParticipantState = "invited" | "joined" | "left" | "removed";

/**
 * A participant's role and state.
 */
export type Participation = { role: ParticipantRole, state: ParticipantState, };

/**
 * `POST /api/v1/auth/password-reset`: "Forgot password?" for agents. The answer is an
 * [`EmailLinkAccepted`], the same whether or not the address is known.
 */
export type PasswordResetRequest = { email: string, };

/**
 * Whether an actor may do one action, and who may (for the tooltip of a disabled control).
 */
export type Permission = { action: PolicyAction, allowed: boolean, who_may: string, 
/**
 * When not allowed, the sentence the disabled control shows ("Only … can do this").
 */
why: string | null, };

/**
 * What the user may do to one participant (People panel, ⋯ menu).
 */
export type PersonVerdicts = { participant_id: ParticipantId, 
/**
 * Remove User.
 */
remove: Verdict, 
/**
 * Make owner.
 */
make_owner: Verdict, };

/**
 * Everything a person can try to do to a conversation.
 */
export type PolicyAction = "see" | "invite_agents" | "request_customer_crew" | "invite_contact" | "copy_share_link" | "manage_share_link" | "resend_invite" | "revoke_any_invite" | "revoke_own_invite" | "remove_user" | "leave" | "post_message" | "answer_invite" | "make_owner" | "close_conversation";

/**
 * An RFC 9457 problem document (`application/problem+json`).
 */
export type Problem = { 
/**
 * A URI naming the kind of problem; one per `code`.
 */
type: string, 
/**
 * A short, human-readable summary of the kind of problem.
 */
title: string, 
/**
 * The HTTP status code of the response.
 */
status: number, 
/**
 * A human-readable explanation of this occurrence.
 */
detail?: string | null, code: ErrorCode, 
/**
 * The request field the problem is about, when there is one.
 */
field?: string | null, 
/**
 * With `choose_account`: the accounts the sign-in would open, to pick one from.
 */
accounts?: Array<AccountChoice> | null, 
/**
 * When asking again makes sense (429, 503, 507): the `Retry-After` header's seconds, also
 * here for clients that read only the body.
 */
retry_after_secs?: number | null, };

/**
 * What became of a queued action, right after the attempt to send it.
 */
export type QueueOutcome = { seq: number, state: QueueState, 
/**
 * Why it was refused, or why it waits.
 */
reason: string | null, 
/**
 * With `waiting`: when it goes again.
 */
retry_after_secs: number | null, };

/**
 * Where a queued action stands.
 */
export type QueueState = "sent" | "refused" | "waiting" | "queued";

/**
 * An action waiting in the outbox, or one the server refused.
 */
export type QueuedAction = { seq: number, idempotency_key: string, conversation_id: string | null, action: OutboxAction, 
/**
 * `pending` (will be sent) or `failed` (the server refused it; see `last_error`).
 */
state: string, attempts: number, last_error: string | null, created_at: string, 
/**
 * A pending action the server asked to wait: not sent before this moment (RFC 3339), when
 * the item shows "Try again in 42 s".
 */
not_before: string | null, };

/**
 * The user's read state of one conversation.
 */
export type ReadState = { conversation_id: ConversationId, 
/**
 * The newest message the user has read (`None`: none yet).
 */
last_read_message_id: MessageId | null, 
/**
 * When that message was written: every later message (not the user's own) is unread.
 */
last_read_at: string | null, 
/**
 * No notification for new messages, and the conversation is not counted in the badge.
 */
muted: boolean, };

/**
 * One role an agent could be given, and whether the viewer may give it.
 */
export type RoleChoice = { role: AccountRole, verdict: Verdict, };

/**
 * `GET /api/v1/conversations/{id}/screen`: what the web client shows of one conversation, with
 * the verdicts the desktop app computes from its cache for the same rows.
 */
export type ScreenPage = { snapshot: ConversationSnapshot, verdicts: Verdicts, 
/**
 * The crews Request Service offers the user, each with its verdict.
 */
crews: Array<CrewChoice>, 
/**
 * The newest messages, oldest first.
 */
messages: Array<Message>, 
/**
 * Pass as `before` to `GET …/messages` for the page before `messages`; `None`: they are all.
 */
older_messages: string | null, 
/**
 * The user's read state of it (where they stopped reading, whether they muted it).
 */
read: ReadState, 
/**
 * The timeline's events, oldest first.
 */
events: Array<TimelineEvent>, };

/**
 * What a search matched in.
 */
export type SearchField = "subject" | "person" | "message";

/**
 * One conversation found by a search, best first.
 */
export type SearchHit = { conversation_id: string, 
/**
 * Where the best match is: the subject, a person, or a message.
 */
field: SearchField, 
/**
 * The matched text around the words, with [`MARK_START`]/[`MARK_END`] around each match.
 */
snippet: string, };

/**
 * A "Request Service" call and its live status.
 */
export type ServiceRequest = { id: ServiceRequestId, conversation_id: ConversationId, crew_id: CrewId, crew_name: string, requested_by: string, created_at: string, 
/**
 * How many agents were invited and notified.
 */
notified: number, status: ServiceRequestStatus, fulfilled_by: string | null, fulfilled_at: string | null, };

/**
 * A "Request Service" call to a crew.
 */
export type ServiceRequestId = string;

/**
 * Where a service request stands.
 */
export type ServiceRequestStatus = "open" | "fulfilled";

/**
 * What the UI needs to know about the session.
 */
export type SessionInfo = { server_url: string, me: Me, };

/**
 * `PUT /api/v1/agents/{id}/role`.
 */
export type SetRole = { role: AccountRole, };

/**
 * `GET /api/v1/team/settings`: the settings, the server's defaults, and whether the viewer may
 * change them.
 */
export type SettingsPage = { settings: AccountSettings, 
/**
 * The sender used when the account names none (`--email-from`).
 */
server_from: string, default_invite_ttl_days: number, may_edit: Verdict, };

/**
 * The Shareable Link of a conversation.
 */
export type ShareLink = { url: string, enabled: boolean, expires_at: string | null, max_uses: number | null, uses: number, 
/**
 * People who joined through it.
 */
joined: Array<Participant>, };

/**
 * `PATCH /api/v1/conversations/{id}/share-link`: only the fields present change; `null` clears.
 */
export type ShareLinkPatch = { 
/**
 * Turns the link on or off; absent keeps it.
 */
enabled?: boolean | null, 
/**
 * When the link stops working (RFC 3339, in the future); `null` clears it, absent keeps it.
 */
expires_at?: string | null | null, 
/**
 * How many joins the link allows (1 to 1000000); `null` removes the limit, absent keeps it.
 */
max_uses?: number | null | null, };

/**
 * One frame of the realtime stream (`GET /api/v1/stream`, JSON text frames).
 */
export type StreamEvent = { "type": "hello", cursor: string, } | { "type": "changed", conversation_id: ConversationId, cursor: string, } | { "type": "invited", invite: Invite, } | { "type": "access_lost", conversation_id: ConversationId, cursor: string, };

/**
 * The result of trying to bring the cache up to date.
 */
export type SyncOutcome = { 
/**
 * Whether the server answered (with the session still valid).
 */
online: boolean, 
/**
 * The server ended the session: the user must sign in again (cache and queue are kept).
 */
signed_out: boolean, 
/**
 * Why not, when it did not.
 */
error: string | null, 
/**
 * When the cache was last brought up to date (RFC 3339), if ever.
 */
last_synced_at: string | null, 
/**
 * The conversations as now cached.
 */
conversations: Array<Conversation>, };

/**
 * Whether the client is in touch with the server.
 */
export type SyncState = "online" | "offline" | "syncing" | "signed_out";

/**
 * One row of the Admin area's agents list: the agent, their crews, and what the viewer may do
 * to them.
 */
export type TeamAgent = { agent: Agent, crews: Array<CrewRef>, 
/**
 * The roles the viewer may give this agent, each with its verdict (their current role too).
 */
roles: Array<RoleChoice>, 
/**
 * Suspend when active, Reactivate when suspended.
 */
may_suspend: Verdict, may_reactivate: Verdict, 
/**
 * Adding them to a crew or removing them from one.
 */
may_crew: Verdict, };

/**
 * `GET /api/v1/team/agents`: the account's agents, filtered, as the viewer may manage them.
 */
export type TeamAgentList = { agents: Array<TeamAgent>, 
/**
 * The roles the viewer may create agents with.
 */
creatable_roles: Array<AccountRole>, };

/**
 * One team operation the Admin area asks for.
 */
export type TeamRequest = { "op": "agents", role: AccountRole | null, status: AgentStatus | null, crew: CrewId | null, q: string, } | { "op": "create_agent", email: string, name: string, role: AccountRole, } | { "op": "set_role", agent_id: AgentId, role: AccountRole, } | { "op": "suspend", agent_id: AgentId, } | { "op": "reactivate", agent_id: AgentId, } | { "op": "crews" } | { "op": "create_crew" } & CreateCrew | { "op": "update_crew", crew_id: CrewId, name: string | null, call_to_action: string | null, customer_requestable: boolean | null, } | { "op": "delete_crew", crew_id: CrewId, } | { "op": "settings" } | { "op": "set_settings" } & AccountSettings | { "op": "set_crew_member", crew_id: CrewId, agent_id: AgentId, member: boolean, } | { "op": "audit", 
/**
 * The `next` of the page before.
 */
before: string | null, limit: number | null, 
/**
 * An agent's or contact's id: what they did, and what was done to them.
 */
person: string | null, 
/**
 * Only changes to this conversation (its id).
 */
conversation: string | null, 
/**
 * Only this kind of change.
 */
kind: AuditKind | null, 
/**
 * Only this group of kinds.
 */
category: AuditCategory | null, 
/**
 * Words in the names, the conversation's subject or the summary.
 */
q: string | null, 
/**
 * From this moment on (RFC 3339, inclusive).
 */
from: string | null, 
/**
 * Until this moment (RFC 3339, exclusive).
 */
to: string | null, };

/**
 * Messages and events of a conversation, each in time order.
 */
export type Timeline = { messages: Array<Message>, 
/**
 * Outbox sequence numbers of messages that are only local copies, by message id.
 */
pending: Array<[string, number]>, events: Array<TimelineEvent>, 
/**
 * Older messages exist: cached beyond the page asked for, or still on the server.
 */
has_older: boolean, };

/**
 * One immutable line of membership, invite or link history.
 */
export type TimelineEvent = { id: EventId, conversation_id: ConversationId, 
/**
 * A stable kind, e.g. `participant_added`, `invite_resent`, `link_rotated`.
 */
kind: string, actor: string, 
/**
 * The line as people read it: "Ana added Bob".
 */
text: string, created_at: string, };

/**
 * Whether the user may do one thing, and if not, why.
 */
export type Verdict = { allowed: boolean, 
/**
 * Why not, in words for the user (the tooltip of the disabled control); `None` when allowed.
 */
why: string | null, };

/**
 * Every verdict of one conversation screen.
 */
export type Verdicts = { 
/**
 * The whole permission table for the user here.
 */
permissions: Array<Permission>, 
/**
 * Leave the conversation.
 */
leave: Verdict, 
/**
 * When the user may not leave only because they are the last owner: the participants they
 * may make owner first (joined agents), so Leave offers the hand-over. Empty otherwise.
 */
hand_over: Array<ParticipantId>, 
/**
 * One per participant of the snapshot.
 */
people: Array<PersonVerdicts>, 
/**
 * One per pending invite of the snapshot.
 */
invites: Array<InviteVerdicts>, };

/**
 * How a participant came to be in the conversation.
 */
export type Via = "direct" | "crew_request" | "email_invite" | "shareable_link" | "created";

/** What people may type, from convene_proto::limits (server validation and OpenAPI read the same). */
export const LIMITS = {
  email: 254,
  name: 100,
  subject: 200,
  message: 10000,
  min_password: 8,
  password: 1024,
} as const;

/** The audit log's kinds by category, in order (convene_proto::audit), for its filters. */
export const AUDIT_KINDS: Record<AuditCategory, AuditKind[]> = {
  membership: ["conversation_created", "conversation_closed", "conversation_reopened", "participant_added", "participant_joined", "participant_left", "participant_removed", "owner_added", "email_verified"],
  invites: ["agent_invited", "contact_invited", "service_requested", "service_request_fulfilled", "invite_resent", "invite_revoked", "invite_declined", "invite_expired", "invite_superseded"],
  link: ["link_changed", "link_rotated"],
  directory: ["agent_created", "agent_role_changed", "agent_suspended", "agent_reactivated", "password_changed", "password_reset_requested", "crew_created", "crew_updated", "crew_deleted", "crew_member_added", "crew_member_removed"],
  settings: ["settings_changed"],
};
