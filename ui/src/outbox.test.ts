import { cleanup, render, screen as view } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import Outbox from "./components/Outbox.svelte";
import type { QueuedAction, QueueOutcome } from "./types";
import { sayOutcome, tryAgainIn } from "./views/panels";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const resend = (over: Partial<QueuedAction>): QueuedAction => ({
  seq: 7,
  idempotency_key: "k",
  conversation_id: "c-1",
  action: { kind: "resend_invite", conversation_id: "c-1", invite_id: "i-1" },
  state: "pending",
  attempts: 1,
  last_error: null,
  created_at: "2026-12-03T09:00:00Z",
  not_before: null,
  ...over,
});

describe("the queue on screen", () => {
  it("shows a resend the server asked to wait with the time left, counting down", async () => {
    vi.useFakeTimers({ now: new Date("2026-12-03T09:00:00Z") });
    const queued = [resend({ last_error: "this invite was resent less than a minute ago; try again in 42 s", not_before: "2026-12-03T09:00:42Z" })];
    render(Outbox, { props: { queued, onretry: () => {}, ondismiss: () => {} } });
    const item = view.getByTestId("waiting-action");
    expect(item.textContent).toContain("Try again in 42 s");
    await vi.advanceTimersByTimeAsync(2000);
    expect(view.getByTestId("waiting-action").textContent).toContain("Try again in 40 s");
    expect(view.queryByTestId("queued-action")).toBeNull();
  });

  it("says the real outcome of a queued action, once", () => {
    const toast = () => document.getElementById("toast")?.textContent;
    const outcome = (state: QueueOutcome["state"]): QueueOutcome => ({ seq: 1, state, reason: null, retry_after_secs: null });
    expect(sayOutcome(outcome("queued"), "Invite resent")).toBe(true);
    expect(toast()).toBe("Queued — it is sent as soon as the server can be reached");
    expect(sayOutcome(outcome("sent"), "Invite resent")).toBe(true);
    expect(toast()).toBe("Invite resent");
    // Refusals and waits are said by the core's events, not a second time here.
    expect(sayOutcome(outcome("refused"), "Invite refused?")).toBe(false);
    expect(sayOutcome(outcome("waiting"), "Invite waits?")).toBe(false);
    expect(toast()).toBe("Invite resent");
    expect(tryAgainIn(42)).toBe("Try again in 42 s");
    expect(tryAgainIn(600)).toBe("Try again in 10 min");
  });
});
