// One way for component tests to build a conversation screen: the conversation "c-1" with the rows
// and verdicts a test names, everything else empty (the shape is the generated ConversationScreen).

import type { ConversationScreen, Invite, Message, Participant, Permission } from "./types";

export interface ScreenParts {
  updated?: string;
  subject?: string;
  myRole?: string;
  participantCount?: number;
  participants?: Partial<Participant>[];
  invites?: Partial<Invite>[];
  messages?: Message[];
  permissions?: Partial<Permission>[];
  people?: unknown[];
  inviteVerdicts?: unknown[];
  status?: "open" | "closed";
}

export function screenFixture(p: ScreenParts = {}): ConversationScreen {
  const updated = p.updated ?? "2026-01-01T00:00:00Z";
  return {
    view: {
      conversation: { id: "c-1", subject: p.subject ?? "Order", status: p.status ?? "open", created_by: "a-1", created_at: updated, updated_at: updated, my_role: p.myRole ?? "agent", participant_count: p.participantCount ?? 2 },
      me: {},
      participants: p.participants ?? [],
      invites: p.invites ?? [],
      service_requests: [],
    },
    timeline: { messages: p.messages ?? [], pending: [], events: [], has_older: false },
    verdicts: {
      permissions: p.permissions ?? [],
      leave: { allowed: true, why: null },
      hand_over: [],
      people: p.people ?? [],
      invites: p.inviteVerdicts ?? [],
    },
    queued: [],
  } as unknown as ConversationScreen;
}
