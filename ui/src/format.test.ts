import { describe, expect, it } from "vitest";
import { initials, peopleCount, quietUntil, relativeTime, roleLabel, unreadLabel } from "./format";

describe("relativeTime", () => {
  const now = new Date("2026-11-26T12:00:00Z");
  it("says just now for the last few seconds", () => {
    expect(relativeTime("2026-11-26T11:59:40Z", now)).toBe("just now");
  });
  it("counts minutes, hours and days in the past", () => {
    expect(relativeTime("2026-11-26T11:55:00Z", now)).toBe("5 minutes ago");
    expect(relativeTime("2026-11-26T09:00:00Z", now)).toBe("3 hours ago");
    expect(relativeTime("2026-11-25T12:00:00Z", now)).toBe("yesterday");
  });
  it("shows nothing for a malformed time instead of 'Invalid Date'", () => {
    expect(relativeTime("not a time", now)).toBe("");
  });
});

describe("labels", () => {
  it("counts people in English", () => {
    expect(peopleCount(1)).toBe("1 person");
    expect(peopleCount(3)).toBe("3 people");
  });
  it("makes initials from first and last name", () => {
    expect(initials("Ana Lima")).toBe("AL");
    expect(initials("  cher ")).toBe("C");
    expect(initials("")).toBe("?");
  });
  it("uses the product's names for roles", () => {
    expect(roleLabel("superadmin")).toBe("SuperAdmin");
    expect(roleLabel("owner")).toBe("Owner");
    expect(roleLabel(null)).toBe("");
  });
});

describe("do not disturb and unread", () => {
  it("ends an hour from now, or tomorrow at 8:00 in the user's own time", () => {
    const now = new Date(2026, 11, 4, 22, 30);
    expect(quietUntil("hour", now).getTime() - now.getTime()).toBe(60 * 60 * 1000);
    const tomorrow = quietUntil("tomorrow", now);
    expect([tomorrow.getDate(), tomorrow.getHours(), tomorrow.getMinutes()]).toEqual([5, 8, 0]);
  });

  it("counts unread up to 99, then 99+", () => {
    expect(unreadLabel(3)).toBe("3");
    expect(unreadLabel(99)).toBe("99");
    expect(unreadLabel(100)).toBe("99+");
  });
});
