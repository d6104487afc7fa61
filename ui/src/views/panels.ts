// What the three side panels share (the panels themselves are components in ../components/):
// their names, queueing an action with its confirmation, and an invite's state in words.

import type { Backend } from "../backend";
import { relativeTime } from "../format";
import { isBackendError, type Invite, type OutboxAction, type QueueOutcome } from "../types";
import { messageOf, toast } from "./shared";

export type PanelName = "Service" | "Contacts" | "People";

/** Queues an action and says so; the outbox sends it now or when back online. Answers whether it
 *  was accepted. A refusal is shown in Rust's or the server's words: next to its field through
 *  `onfield` when it names one the form shows, as a toast otherwise. */
export async function queue(backend: Backend, action: OutboxAction, done: string, onfield?: (field: string, message: string) => boolean): Promise<boolean> {
  try {
    return sayOutcome(await backend.queue(action), done);
  } catch (e) {
    if (!(isBackendError(e) && e.field && onfield?.(e.field, e.message))) toast(messageOf(e), "error");
    return false;
  }
}

/**
 * Says what became of a queued action, and answers whether it went (or will go by itself). A
 * refusal or a wait is said by the core's own events (`action_failed`, `action_waiting`), once,
 * whether the action was just queued or sent later from the queue.
 */
export function sayOutcome(outcome: QueueOutcome, done: string): boolean {
  switch (outcome.state) {
    case "sent":
      toast(done);
      return true;
    case "queued":
      toast("Queued — it is sent as soon as the server can be reached");
      return true;
    case "waiting":
    case "refused":
      return false;
  }
}

/** "Try again in 42 s" for a wait of `secs`. */
export function tryAgainIn(secs: number): string {
  return secs >= 120 ? `Try again in ${Math.ceil(secs / 60)} min` : `Try again in ${Math.max(1, Math.round(secs))} s`;
}

const ENDINGS: Record<string, string> = {
  declined: "Declined",
  revoked: "Revoked",
  superseded: "Ended — a colleague answered the request",
  expired: "Expired",
  accepted: "Joined",
};

/** How an invite ended, and when: "Expired 2 hours ago", "Declined · email failed: mailbox full". */
export function endedState(i: Invite): string {
  const parts = [`${ENDINGS[i.status] ?? i.status}${i.ended_at ? ` ${relativeTime(i.ended_at)}` : ""}`];
  if (i.delivery === "failed") parts.push(`email failed${i.delivery_error ? `: ${i.delivery_error}` : ""}`);
  return parts.join(" · ");
}

/** An invite's state in words: delivery, how often sent, when it expires. */
export function inviteState(i: Invite): string {
  const parts: string[] = [];
  if (i.kind === "contact") {
    parts.push(i.delivery === "failed" ? `Email failed${i.delivery_error ? `: ${i.delivery_error}` : ""}` : i.delivery === "sent" ? "Invited · email sent" : "Invited · sending");
  } else {
    parts.push("Invited");
  }
  parts.push(`sent ${i.send_count}×`);
  if (i.last_sent_at) parts.push(`last sent ${relativeTime(i.last_sent_at)}`);
  if (i.expires_at) {
    const left = new Date(i.expires_at).getTime() - Date.now();
    parts.push(left <= 0 ? "expired" : `expires ${relativeTime(i.expires_at)}`);
  }
  return parts.join(" · ");
}

