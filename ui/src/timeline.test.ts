import { describe, expect, it } from "vitest";
import { mergeTimeline } from "./timeline";
import type { Message, TimelineEvent } from "./types";

const message = (id: string, at: string): Message => ({ id, conversation_id: "c", author_name: "A", author_kind: "agent", author_id: "a-1", body: id, created_at: at });
const event = (id: string, at: string): TimelineEvent => ({ id, conversation_id: "c", kind: "k", actor: "A", text: id, created_at: at });

describe("mergeTimeline", () => {
  it("interleaves messages and membership events by time", () => {
    const merged = mergeTimeline(
      [message("m1", "2026-11-26T10:00:00Z"), message("m2", "2026-11-26T10:02:00Z")],
      [event("e1", "2026-11-26T10:01:00Z"), event("e0", "2026-11-26T09:59:00Z")],
    );
    expect(merged.map((x) => x.item.id)).toEqual(["e0", "m1", "e1", "m2"]);
    expect(merged.map((x) => x.kind)).toEqual(["event", "message", "event", "message"]);
  });
  it("orders by instant even when the texts have fractions of different lengths", () => {
    // 58.12 s is before 58.123 s, although the text "…58.12Z" sorts after "…58.123Z".
    const merged = mergeTimeline([message("at-120ms", "2026-11-26T10:00:58.12Z")], [event("at-123ms", "2026-11-26T10:00:58.123Z")]);
    expect(merged.map((x) => x.item.id)).toEqual(["at-120ms", "at-123ms"]);
  });
});
