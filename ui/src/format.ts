// Formatting of times and labels for display.

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

// One formatter for every call: building an Intl formatter costs far more than using one.
let relativeFormat: Intl.RelativeTimeFormat | undefined;

/** "5 minutes ago", "yesterday", "just now". */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const then = new Date(iso);
  if (Number.isNaN(then.getTime())) return "";
  const seconds = Math.round((then.getTime() - now.getTime()) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  const format = (relativeFormat ??= new Intl.RelativeTimeFormat("en", { numeric: "auto" }));
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(Math.round(seconds / 60), "minute");
}

/** "1 person", "3 people". */
export function peopleCount(n: number): string {
  return n === 1 ? "1 person" : `${n} people`;
}

/** Who the customers of a list row are: "Carol Jones", "Carol Jones, Dan Brown +1", "No customer yet". */
export function customersLabel(c: { customers: string[]; customer_count: number }): string {
  if (c.customers.length === 0) return "No customer yet";
  const more = c.customer_count - c.customers.length;
  return more > 0 ? `${c.customers.join(", ")} +${more}` : c.customers.join(", ");
}

/** Two initials for an avatar: "Ana Lima" → "AL". */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return "?";
  const first = parts[0]!.charAt(0);
  const last = parts.length > 1 ? parts[parts.length - 1]!.charAt(0) : "";
  return (first + last).toUpperCase();
}

const ROLE_LABELS: Record<string, string> = {
  superadmin: "SuperAdmin",
  admin: "Admin",
  agent: "Agent",
  owner: "Owner",
  contact: "Contact",
};

export function roleLabel(role: string | null | undefined): string {
  return role ? (ROLE_LABELS[role] ?? role) : "";
}

/** An unread count as a list row shows it: "3", or "99+" past the cap the core counts to. */
export function unreadLabel(count: number): string {
  return count > 99 ? "99+" : String(count);
}

/** When "Do not disturb" chosen at `now` ends: in an hour, or tomorrow at 8:00 in the user's time. */
export function quietUntil(choice: "hour" | "tomorrow", now = new Date()): Date {
  if (choice === "hour") return new Date(now.getTime() + 60 * 60 * 1000);
  const t = new Date(now);
  t.setDate(t.getDate() + 1);
  t.setHours(8, 0, 0, 0);
  return t;
}
