// The three side panels of a conversation: Service (Request Service, Add Agent), Contacts
// (Add to Conversation, Shareable Link) and People (participants, invites, ⋯ menu).

import type { Backend } from "../backend";
import { h } from "../dom";
import { relativeTime, roleLabel } from "../format";
import { isBackendError, type ConversationScreen, type Invite, type OutboxAction, type Participant, type ShareLink, type Verdict } from "../types";
import { can, confirmDialog, guarded, messageOf, toast } from "./shared";

export type PanelName = "Service" | "Contacts" | "People";

/** Queues an action and says so; the outbox sends it now or when back online. Answers whether it
 *  was accepted (a refusal is shown in the server's words). */
export async function queue(backend: Backend, action: OutboxAction, done: string): Promise<boolean> {
  try {
    await backend.queue(action);
    toast(done);
    return true;
  } catch (e) {
    toast(messageOf(e), "error");
    return false;
  }
}

/** A short sentence when offline, else the error's own message. */
function offlineOr(e: unknown, offline: string): string {
  return isBackendError(e) && e.code === "offline" ? offline : messageOf(e);
}

function debounce<T extends unknown[]>(fn: (...args: T) => void, ms: number): (...args: T) => void {
  let timer: number | undefined;
  return (...args: T) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...args), ms);
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function contactsPanel(backend: Backend, screen: ConversationScreen, isAgent: boolean, onChanged: () => void): HTMLElement {
  const id = screen.view.conversation.id;
  const input = h("input", { type: "text", placeholder: "Email, or search by name", "aria-label": "Contact email or name", autocomplete: "off" });
  const results = h("ul", { class: "rows", "aria-label": "Known contacts" });
  let chosen: { id: string; name: string } | null = null;
  const add = guarded("Add to Conversation", can(screen, "invite_contact"), async () => {
    const value = input.value.trim();
    let accepted: boolean;
    if (chosen) {
      accepted = await queue(backend, { kind: "invite_contact", conversation_id: id, request: { contact_id: chosen.id } }, `Invite sent to ${chosen.name}`);
    } else if (EMAIL.test(value)) {
      accepted = await queue(backend, { kind: "invite_contact", conversation_id: id, request: { email: value } }, `Invite sent to ${value}`);
    } else {
      toast("Enter an email address, or pick a known contact", "error");
      return;
    }
    // A refused invite keeps what was typed, so it can be corrected.
    if (!accepted) return;
    input.value = "";
    chosen = null;
    results.replaceChildren();
  });
  const search = debounce(async () => {
    chosen = null;
    if (!isAgent || input.value.trim().length < 2) {
      results.replaceChildren();
      return;
    }
    try {
      const found = await backend.searchContacts(input.value);
      results.replaceChildren(
        ...found.map((c) => {
          const pick = h("button", { type: "button", class: "link" }, `${c.name} · ${c.email}`);
          pick.addEventListener("click", () => {
            chosen = { id: c.id, name: c.name };
            input.value = c.email;
            results.replaceChildren(h("li", { class: "muted" }, `Selected ${c.name}`));
          });
          return h("li", { class: "row" }, pick);
        }),
      );
    } catch {
      results.replaceChildren();
    }
  }, 150);
  input.addEventListener("input", search);
  input.addEventListener("keydown", (e) => {
    if ((e as KeyboardEvent).key === "Enter") (add.querySelector("button") ?? add).dispatchEvent(new MouseEvent("click"));
  });

  const copy = guarded("Copy Shareable Link", can(screen, "copy_share_link"), async () => {
    try {
      await backend.copyShareLink(id);
      toast("Link copied to the clipboard");
    } catch (e) {
      toast(messageOf(e), "error");
    }
  });
  const section = h(
    "section",
    { class: "panel", "aria-label": "Contacts" },
    h("h2", {}, "Contacts"),
    h("label", {}, "Invite a contact", input),
    results,
    add,
    h("h3", {}, "Shareable Link"),
    h("p", { class: "warning", role: "note" }, "Anyone with this URL will be able to access this Conversation."),
    copy,
  );
  if (can(screen, "manage_share_link").allowed) {
    const settings = h("div", { class: "link-settings", "data-testid": "link-settings" }, h("p", { class: "muted" }, "Loading link settings…"));
    section.append(settings);
    backend
      .shareLink(id)
      .then((link) => settings.replaceChildren(linkSettings(backend, id, link, onChanged)))
      .catch((e) => settings.replaceChildren(h("p", { class: "muted" }, offlineOr(e, "Link settings need a connection to the server."))));
  }
  return section;
}

function linkSettings(backend: Backend, id: string, link: ShareLink, onChanged: () => void): HTMLElement {
  const enabled = h("input", { type: "checkbox", id: "link-enabled" });
  enabled.checked = link.enabled;
  enabled.addEventListener("change", () =>
    queue(backend, { kind: "patch_share_link", conversation_id: id, patch: { enabled: enabled.checked } }, enabled.checked ? "Link enabled" : "Link disabled").then(onChanged),
  );
  const maxUses = h("input", { type: "number", min: "1", id: "link-max-uses", placeholder: "No limit" });
  if (link.max_uses !== null) maxUses.value = String(link.max_uses);
  maxUses.addEventListener("change", () => {
    const n = maxUses.value.trim() === "" ? null : Number(maxUses.value);
    void queue(backend, { kind: "patch_share_link", conversation_id: id, patch: { max_uses: n } }, n === null ? "Use limit removed" : `Limited to ${n} uses`);
  });
  const expires = h("input", { type: "datetime-local", id: "link-expires" });
  if (link.expires_at) expires.value = link.expires_at.slice(0, 16);
  expires.addEventListener("change", () => {
    const at = expires.value ? new Date(expires.value).toISOString() : null;
    void queue(backend, { kind: "patch_share_link", conversation_id: id, patch: { expires_at: at } }, at ? "Expiry set" : "Expiry removed");
  });
  const rotate = h("button", { type: "button" }, "Rotate link");
  rotate.addEventListener("click", async () => {
    if (await confirmDialog("Rotate the Shareable Link?", "The current URL stops working at once. People who already joined stay.", "Rotate link")) {
      await queue(backend, { kind: "rotate_share_link", conversation_id: id }, "Link rotated: copy it again to share");
    }
  });
  return h(
    "div",
    {},
    h("label", { class: "inline" }, enabled, " Link enabled"),
    h("label", {}, "Expires", expires),
    h("label", {}, "Maximum uses", maxUses),
    h("p", { class: "muted" }, `Used ${link.uses} time${link.uses === 1 ? "" : "s"}`),
    rotate,
    link.joined.length ? h("h3", {}, "Joined through the link") : null,
    link.joined.length ? h("ul", { class: "rows" }, ...link.joined.map((p) => h("li", { class: "row" }, `${p.name} · ${p.email}`))) : null,
  );
}

function inviteState(i: Invite): string {
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

/** The ⋯ menu next to a person. */
function moreMenu(name: string, items: HTMLElement[]): HTMLElement {
  const menu = h("div", { class: "menu", role: "menu", hidden: true }, ...items);
  const toggle = h("button", { type: "button", class: "more", "aria-haspopup": "menu", "aria-label": `More actions for ${name}`, title: "More actions" }, "⋯");
  toggle.addEventListener("click", (e) => {
    e.stopPropagation();
    menu.hidden = !menu.hidden;
    toggle.setAttribute("aria-expanded", String(!menu.hidden));
    if (!menu.hidden) (menu.querySelector("button:not([disabled])") as HTMLElement | null)?.focus();
  });
  menu.addEventListener("keydown", (e) => {
    if ((e as KeyboardEvent).key === "Escape") {
      menu.hidden = true;
      toggle.focus();
    }
  });
  return h("span", { class: "more-wrap" }, toggle, menu);
}

/** A verdict from Rust as `guarded` takes it (no verdict: not available). */
function shown(v: Verdict | undefined): { allowed: boolean; why: string } {
  return v ? { allowed: v.allowed, why: v.why ?? "" } : { allowed: false, why: "Not available here" };
}

export function peoplePanel(backend: Backend, screen: ConversationScreen): HTMLElement {
  const id = screen.view.conversation.id;
  const verdictsOf = (participantId: string) => screen.verdicts.people.find((r) => r.participant_id === participantId);
  const removeItem = (participantId: string, name: string, invited: boolean, verdict: Verdict | undefined) => {
    const allowed = shown(verdict);
    return guarded(
      "Remove User",
      allowed,
      async () => {
        const text = invited
          ? `${name}'s invite is revoked and the link in their email stops working.`
          : `${name} loses access to this conversation at once: its messages, its people and any pending invites.`;
        if (await confirmDialog(`Remove ${name}?`, text, "Remove User")) {
          await queue(backend, { kind: "remove_participant", conversation_id: id, participant_id: participantId }, `${name} removed`);
        }
      },
      { role: "menuitem" },
    );
  };
  const unverified = (p: Participant) =>
    p.email_verified === false
      ? h("span", { class: "badge warn", "data-testid": "unverified", title: "Joined through the Shareable Link; nobody has proven this email is theirs" }, "email not verified")
      : null;
  const person = (p: Participant) =>
    h(
      "li",
      { class: "row person", "data-testid": "person", "data-name": p.name },
      h("span", { class: "grow" }, h("strong", {}, p.name), h("span", { class: "muted" }, ` ${p.email}`), " ", h("span", { class: "badge" }, roleLabel(p.role)), " ", unverified(p), " ", h("span", { class: "state" }, "Joined")),
      moreMenu(p.name, [makeOwnerItem(p), removeItem(p.id, p.name, false, verdictsOf(p.id)?.remove)]),
    );
  const makeOwnerItem = (p: Participant) =>
    guarded(
      "Make owner",
      shown(verdictsOf(p.id)?.make_owner),
      () => queue(backend, { kind: "make_owner", conversation_id: id, participant_id: p.id }, `${p.name} is now an owner`),
      { role: "menuitem" },
    );
  // Removed people stay listed: the Shareable Link does not let them back, only an agent's invite.
  const removedPerson = (p: Participant) =>
    h(
      "li",
      { class: "row person removed", "data-testid": "removed-person", "data-name": p.name },
      h("span", { class: "grow" }, h("strong", {}, p.name), h("span", { class: "muted" }, ` ${p.email}`), " ", h("span", { class: "state" }, "Removed — only an agent can invite them back")),
    );
  const joined = screen.view.participants.filter((p) => p.state === "joined");
  const removed = screen.view.participants.filter((p) => p.state === "removed");
  const invitee = (i: Invite) => {
    const verdicts = screen.verdicts.invites.find((v) => v.invite_id === i.id);
    const revoke = guarded(
      "Revoke invite",
      shown(verdicts?.revoke),
      () => queue(backend, { kind: "revoke_invite", conversation_id: id, invite_id: i.id }, `Invite to ${i.invitee_name} revoked`),
      { role: "menuitem" },
    );
    return h(
      "li",
      { class: "row person invited", "data-testid": "person", "data-name": i.invitee_name },
      h(
        "span",
        { class: "grow" },
        h("strong", {}, i.invitee_name),
        h("span", { class: "muted" }, ` ${i.invitee_email}`),
        " ",
        h("span", { class: "state", "data-testid": "invite-state" }, inviteState(i)),
      ),
      moreMenu(i.invitee_name, [
        guarded("Resend Invite", shown(verdicts?.resend), () => queue(backend, { kind: "resend_invite", conversation_id: id, invite_id: i.id }, `Invite resent to ${i.invitee_name}`), { role: "menuitem" }),
        revoke,
        removeItem(i.participant_id, i.invitee_name, true, verdicts?.remove),
      ]),
    );
  };
  const leave = guarded("Leave conversation", shown(screen.verdicts.leave), async () => {
    if (await confirmDialog("Leave this conversation?", "You will no longer see its messages. Someone in it can invite you again.", "Leave")) {
      await queue(backend, { kind: "leave", conversation_id: id }, "You left the conversation");
    }
  });
  return h(
    "section",
    { class: "panel", "aria-label": "People" },
    h("h2", {}, "People"),
    leave,
    h("ul", { class: "rows", "aria-label": "Participants" }, ...joined.map(person)),
    screen.view.invites.length ? h("h3", {}, "Invited") : null,
    h("ul", { class: "rows", "aria-label": "Pending invites" }, ...screen.view.invites.map(invitee)),
    removed.length ? h("h3", {}, "Removed") : null,
    removed.length ? h("ul", { class: "rows", "aria-label": "Removed people" }, ...removed.map(removedPerson)) : null,
  );
}
