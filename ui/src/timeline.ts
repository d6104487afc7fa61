// Pure helpers for what a conversation shows: its timeline in time order and queued actions in words.

import type { Message, QueuedAction, TimelineEvent } from "./types";

export type TimelineEntry = { kind: "message"; item: Message } | { kind: "event"; item: TimelineEvent };

/** Messages and events in one time-ordered list. */
export function mergeTimeline(messages: Message[], events: TimelineEvent[]): TimelineEntry[] {
  // Compare instants, not strings: RFC 3339 texts differ in fraction length ("…58.12Z" is after "…58.123Z").
  const all = [
    ...messages.map((item) => ({ kind: "message" as const, item, at: Date.parse(item.created_at) })),
    ...events.map((item) => ({ kind: "event" as const, item, at: Date.parse(item.created_at) })),
  ];
  all.sort((a, b) => a.at - b.at);
  return all.map(({ kind, item }) => ({ kind, item }) as TimelineEntry);
}

const ACTION_LABELS: Record<string, string> = {
  post_message: "Send message",
  invite_agent: "Send invite",
  request_service: "Request Service",
  invite_contact: "Add to Conversation",
  resend_invite: "Resend Invite",
  revoke_invite: "Revoke invite",
  accept_invite: "Join",
  decline_invite: "Decline",
  remove_participant: "Remove User",
  make_owner: "Make owner",
  leave: "Leave",
  close: "Close conversation",
  reopen: "Reopen conversation",
  patch_share_link: "Change the Shareable Link",
  rotate_share_link: "Rotate the Shareable Link",
};

/** A queued action as the button that queued it was labelled. */
export function describeAction(q: QueuedAction): string {
  return ACTION_LABELS[q.action.kind] ?? q.action.kind;
}
