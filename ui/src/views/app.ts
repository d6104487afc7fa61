// The signed-in window: conversation list (with Invites) on the left, the open conversation with
// its timeline, composer and panels on the right, and the connection and outbox state throughout.

import type { Backend } from "../backend";
import { afterNextPaint, h } from "../dom";
import { initials, peopleCount, relativeTime, roleLabel } from "../format";
import { LIMITS } from "../generated/types";
import type { ConversationScreen, Home, Invite, ListEntry, Message, QueuedAction, SessionInfo, SyncState, TimelineEvent } from "../types";
import { VirtualList } from "../virtual-list";
import ServicePanel from "../components/ServicePanel.svelte";
import { mountWithProps, type Mounted } from "../components/mount.svelte";
import PeoplePanel from "../components/PeoplePanel.svelte";
import ContactsPanel from "../components/ContactsPanel.svelte";
import type { PanelName } from "./panels";
import { signInAgainDialog } from "./session-ended";
import { can, iconButton, messageOf, toast } from "./shared";
import { guestBanner } from "./verify";

/** Height of one conversation row in the list, gap included (rows are one fixed height so the list can be windowed). */
export const CONVERSATION_ROW_HEIGHT = 66;
const CONVERSATION_ROW_GAP = 6;

const SEEN_KEY = "convene.seen";
/** What the panels are given (each takes the part it needs). */
type PanelProps = { backend: Backend; screen: ConversationScreen; onclose: () => void; tab?: "request" | "agent"; isAgent?: boolean; onchanged?: () => void };

const LAST_KEY = "convene.last";

/** When each conversation was last opened here (for unread markers). */
function seen(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(SEEN_KEY) ?? "{}") as Record<string, string>;
  } catch {
    return {};
  }
}

function markSeen(id: string, at: string): void {
  const all = seen();
  all[id] = at;
  localStorage.setItem(SEEN_KEY, JSON.stringify(all));
}

/** Messages and events in one time-ordered list. */
export function mergeTimeline(messages: Message[], events: TimelineEvent[]): ({ kind: "message"; item: Message } | { kind: "event"; item: TimelineEvent })[] {
  // Compare instants, not strings: RFC 3339 texts differ in fraction length ("…58.12Z" is after "…58.123Z").
  const all = [
    ...messages.map((item) => ({ kind: "message" as const, item, at: Date.parse(item.created_at) })),
    ...events.map((item) => ({ kind: "event" as const, item, at: Date.parse(item.created_at) })),
  ];
  all.sort((a, b) => a.at - b.at);
  return all.map(({ kind, item }) => ({ kind, item }) as { kind: "message"; item: Message } | { kind: "event"; item: TimelineEvent });
}

function describeAction(q: QueuedAction): string {
  const labels: Record<string, string> = {
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
    patch_share_link: "Change the Shareable Link",
    rotate_share_link: "Rotate the Shareable Link",
  };
  return labels[q.action.kind] ?? q.action.kind;
}

export class AppView {
  readonly element: HTMLElement;
  private readonly status = h("div", { class: "status", role: "status", "data-testid": "connection-status" }, "Loading…");
  /** Shown beside the status while the server has ended the session. */
  private readonly signInAgain = h("button", { type: "button", class: "link", hidden: true, "data-testid": "sign-in-again-button" }, "Sign in again");
  private readonly sidebar = h("nav", { class: "sidebar", "aria-label": "Conversations" });
  private readonly main = h("main", { class: "conversation-pane" });
  private readonly search = h("input", { type: "search", placeholder: "Search conversations", "aria-label": "Search conversations", class: "search" });
  private readonly invitesSlot = h("div", { class: "invites-slot" });
  private readonly conversations: VirtualList<ListEntry>;
  private lastSeen: Record<string, string> = {};
  private lastQuery = "";
  private home: Home | null = null;
  private selected: string | null = null;
  private panel: PanelName | null = null;
  private serviceTab: "request" | "agent" = "request";
  /** The conversation pane's layout and its panel's slot: kept across renders, so a component in
   *  the slot (the Service panel) keeps what was typed and the focus when a new screen arrives. */
  private readonly layout = h("div", { class: "conversation-layout" });
  private readonly panelSlot = h("div", { class: "panel-slot" });
  /** The screen on display (for closing a panel without reading it again). */
  private shownScreen: ConversationScreen | null = null;
  private mountedPanel: { name: PanelName; conversation: string; panel: Mounted<PanelProps> } | null = null;
  private reloadTimer: number | undefined;
  /** The home last rendered, and its JSON once a later reload needed it for comparing. */
  private shownHome: Home | null = null;
  private shownHomeJson: string | null = null;
  private lastScreen = "";
  private draft = "";

  constructor(
    private readonly backend: Backend,
    private readonly session: SessionInfo,
    onSignedOut: () => void,
  ) {
    const me = session.me;
    const signOut = h("button", { type: "button", class: "link" }, "Sign out");
    signOut.addEventListener("click", async () => {
      await backend.signOut().catch(() => undefined);
      onSignedOut();
    });
    this.search.addEventListener("input", () => this.renderSidebar());
    this.conversations = new VirtualList<ListEntry>({
      rowHeight: CONVERSATION_ROW_HEIGHT,
      gap: CONVERSATION_ROW_GAP,
      overscan: 6,
      initialRows: 20,
      key: (e) => e.conversation.id,
      renderRow: (e) => this.conversationRow(e),
      onActivate: (e) => void this.open(e.conversation.id),
      empty: () => h("li", { class: "empty" }, this.search.value.trim() ? "No conversation matches your search." : "No conversations yet."),
      listAttrs: { class: "conversations", "data-testid": "conversation-list", "aria-label": "Conversations" },
    });
    this.sidebar.append(this.invitesSlot, h("h2", {}, "Conversations"), this.search, this.conversations.element, session.me.kind === "agent" ? this.createForm() : "");
    this.element = h(
      "div",
      { class: "app" },
      h(
        "header",
        { class: "topbar" },
        h("div", { class: "brand" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Convene"),
        h("span", { class: "account" }, me.account_name),
        this.status,
        this.signInAgain,
        h(
          "div",
          { class: "me" },
          h("span", { class: "avatar", "aria-hidden": "true" }, initials(me.name)),
          h("span", { "data-testid": "me-name" }, me.name),
          me.kind === "agent" ? h("span", { class: "badge" }, roleLabel(me.role)) : null,
          signOut,
        ),
      ),
      guestBanner(backend, me),
      h("div", { class: "body" }, this.sidebar, this.main),
    );
    this.main.append(h("p", { class: "empty-pane" }, "Select a conversation."));
    // Esc closes the open panel, unless a menu or dialog took it for itself. On the document: the
    // focus may be on the page itself (a rebuilt control gives it up).
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !e.defaultPrevented && this.panel && this.element.isConnected) {
        e.preventDefault();
        this.closePanel();
      }
    });
    this.signInAgain.addEventListener("click", () => this.openSignInAgain());
    backend.onEvent((event) => {
      if (event.type === "action_failed") toast(`${event.label} failed: ${event.reason}`, "error");
      if (event.type === "notice") toast(event.text);
      if (event.type === "access_lost" && event.conversation_id === this.selected) {
        toast("You no longer have access to that conversation", "error");
        this.selected = null;
        this.lastScreen = "";
        this.main.replaceChildren(h("p", { class: "empty-pane", role: "status" }, "You no longer have access to that conversation."));
      }
      this.scheduleReload();
    });
    backend.onOpenConversation((id) => void this.open(id));
  }

  /** First paint from the cache, then a refresh from the server. */
  async start(): Promise<void> {
    await this.reload();
    // The list reaches the screen before anything else runs: reopening the last conversation and
    // trying the server wait for the first paint instead of delaying it.
    await afterNextPaint();
    if (this.home) void this.backend.startupRendered(this.conversations.count).catch(() => undefined);
    this.openRemembered();
    const outcome = await this.backend.refresh().catch(() => null);
    if (outcome && !outcome.online) this.renderStatus(outcome.signed_out ? "signed_out" : "offline");
    // Offline, nothing reached the cache: the list on screen is still the cached one.
    if (outcome?.online) await this.reload();
    this.openRemembered();
  }

  /** Reopens the conversation last open here (or the most recent one), as the user left it. */
  private openRemembered(): void {
    if (this.selected || !this.home) return;
    const joined = this.home.conversations.filter((e) => !e.invited);
    const last = localStorage.getItem(LAST_KEY);
    const target = joined.find((e) => e.conversation.id === last) ?? joined[0];
    // Reopened for the wide layout; on a phone the list stays in front until one is picked.
    if (target) void this.open(target.conversation.id, false);
  }

  private scheduleReload(): void {
    window.clearTimeout(this.reloadTimer);
    this.reloadTimer = window.setTimeout(() => void this.reload(), 60);
  }

  private async reload(): Promise<void> {
    try {
      this.home = await this.backend.home();
    } catch (e) {
      toast(messageOf(e), "error");
      return;
    }
    this.renderStatus(this.home.state);
    // Re-render only what changed, so an open menu or a half-typed search survives background syncs.
    // The first render compares with nothing: the JSON (megabytes for a long list) is made later,
    // when a reload needs it, not on the way to the first paint.
    const homeJson = this.shownHome ? JSON.stringify(this.home) : null;
    if (this.shownHome) this.shownHomeJson ??= JSON.stringify(this.shownHome);
    if (homeJson === null || homeJson !== this.shownHomeJson) {
      this.shownHome = this.home;
      this.shownHomeJson = homeJson;
      this.renderSidebar();
    }
    if (this.selected) await this.loadConversation(this.selected, false);
  }

  /** The connection status: online, offline (cached), or signed out by the server (sign in again). */
  private renderStatus(state: SyncState): void {
    const home = this.home;
    const pending = home?.queued.filter((q) => q.state === "pending").length ?? 0;
    const signedOut = state === "signed_out";
    const online = state === "online" || state === "syncing";
    this.status.classList.toggle("offline", state === "offline");
    this.status.classList.toggle("signed-out", signedOut);
    this.signInAgain.hidden = !signedOut;
    if (signedOut) {
      const queued = pending ? ` · ${pending} pending` : "";
      this.status.textContent = `Signed out — sign in again${queued}`;
    } else if (online) {
      this.status.textContent = pending ? `Online — sending ${pending}…` : "Online";
    } else {
      const when = home?.last_synced_at ? ` (last synced ${relativeTime(home.last_synced_at)})` : "";
      const queued = pending ? ` · ${pending} pending` : "";
      this.status.textContent = `Offline — showing cached conversations${when}${queued}`;
    }
    this.status.title = this.status.textContent ?? "";
  }

  private openSignInAgain(): void {
    const pending = this.home?.queued.filter((q) => q.state === "pending").length ?? 0;
    signInAgainDialog(this.backend, this.session, pending, (next) => {
      const same = next.server_url === this.session.server_url && next.me.kind === this.session.me.kind && next.me.id === this.session.me.id;
      if (!same) {
        // Somebody else: the core started them on an empty cache; the window starts over too.
        window.location.reload();
        return;
      }
      toast(pending ? `Signed in again — sending ${pending} queued…` : "Signed in again");
      this.scheduleReload();
    });
  }

  private renderSidebar(): void {
    const home = this.home;
    if (!home) return;
    const q = this.search.value.trim().toLowerCase();
    this.lastSeen = seen();
    const entries = home.conversations.filter((e) => !e.invited && (!q || e.conversation.subject.toLowerCase().includes(q)));
    if (q !== this.lastQuery) {
      this.lastQuery = q;
      this.conversations.element.scrollTop = 0;
    }
    this.conversations.setItems(entries);
    const invites = home.invites.length
      ? h(
          "section",
          { class: "invites", "aria-label": "Invites" },
          h("h2", {}, `Invites (${home.invites.length})`),
          h("ul", { class: "rows" }, ...home.invites.map((i) => this.inviteRow(i))),
        )
      : null;
    this.invitesSlot.replaceChildren(invites ?? "");
  }

  /** One row of the conversation list (the list positions it and handles clicks and keys). */
  private conversationRow(e: ListEntry): HTMLElement {
    const c = e.conversation;
    const seenAt = this.lastSeen[c.id];
    const unread = c.id !== this.selected && (!seenAt || seenAt < c.updated_at);
    return h(
      "li",
      {
        class: `conversation${c.id === this.selected ? " selected" : ""}${unread ? " unread" : ""}`,
        "data-testid": "conversation-item",
        "data-id": c.id,
        role: "button",
        "aria-current": c.id === this.selected ? "true" : undefined,
      },
      h("span", { class: "subject", title: c.subject }, c.subject),
      h(
        "span",
        { class: "meta" },
        h("span", {}, peopleCount(c.participant_count)),
        h("time", { datetime: c.updated_at }, relativeTime(c.updated_at)),
        unread ? h("span", { class: "dot", "aria-label": "unread" }) : null,
        e.pending_actions ? h("span", { class: "pending", "data-testid": "pending-marker" }, `${e.pending_actions} pending`) : null,
      ),
    );
  }

  private createForm(): HTMLElement {
    const subject = h("input", { name: "subject", placeholder: "New conversation subject", "aria-label": "New conversation subject", maxlength: String(LIMITS.subject), required: true });
    const create = h("form", { class: "new-conversation" }, subject, h("button", { type: "submit", class: "primary" }, "New conversation"));
    create.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const c = await this.backend.createConversation(subject.value);
        subject.value = "";
        await this.reload();
        await this.open(c.id);
      } catch (e) {
        toast(messageOf(e), "error");
      }
    });
    return create;
  }

  private inviteRow(i: Invite): HTMLElement {
    const join = h("button", { type: "button", class: "primary" }, "Join");
    const decline = h("button", { type: "button" }, "Decline");
    join.addEventListener("click", async () => {
      await this.backend.queue({ kind: "accept_invite", conversation_id: i.conversation_id, invite_id: i.id }).catch((e) => toast(messageOf(e), "error"));
      toast(`Joining “${i.conversation_subject}”`);
      this.selected = i.conversation_id;
      this.scheduleReload();
    });
    decline.addEventListener("click", async () => {
      await this.backend.queue({ kind: "decline_invite", conversation_id: i.conversation_id, invite_id: i.id }).catch((e) => toast(messageOf(e), "error"));
      toast("Invite declined");
    });
    return h(
      "li",
      { class: "row invite", "data-testid": "invite" },
      h("span", { class: "grow" }, h("strong", {}, i.conversation_subject), h("span", { class: "muted" }, ` from ${i.invited_by}${i.service_request_id ? " (crew request)" : ""}`)),
      join,
      decline,
    );
  }

  async open(id: string, toFront = true): Promise<void> {
    localStorage.setItem(LAST_KEY, id);
    // On a phone the conversation takes the screen; "Conversations" goes back to the list.
    if (toFront) this.element.classList.add("conversation-open");
    if (this.selected !== id) {
      this.selected = id;
      this.panel = null;
      this.draft = "";
    }
    this.conversations.refresh();
    this.conversations.revealKey(id);
    await this.loadConversation(id, true);
  }

  private async loadConversation(id: string, force: boolean): Promise<void> {
    let screen: ConversationScreen | null;
    try {
      screen = await this.backend.conversation(id);
    } catch (e) {
      toast(messageOf(e), "error");
      return;
    }
    if (this.selected !== id) return;
    if (!screen) {
      this.main.replaceChildren(h("p", { class: "empty-pane" }, "This conversation is not available."));
      return;
    }
    markSeen(id, screen.view.conversation.updated_at);
    this.lastSeen[id] = screen.view.conversation.updated_at;
    const screenJson = JSON.stringify(screen);
    if (!force && screenJson === this.lastScreen) return;
    this.lastScreen = screenJson;
    this.renderConversation(screen);
  }

  /** Puts the open panel in its slot: a component that is handed each new screen and keeps its own
   *  state (what was typed, the focus, an open menu). */
  private showPanel(screen: ConversationScreen): void {
    const id = screen.view.conversation.id;
    if (!this.panel) {
      this.closeMountedPanel();
      this.panelSlot.replaceChildren();
      return;
    }
    if (this.mountedPanel?.conversation === id && this.mountedPanel.name === this.panel) {
      this.mountedPanel.panel.props.screen = screen;
      return;
    }
    this.closeMountedPanel();
    this.panelSlot.replaceChildren();
    const common = { backend: this.backend, screen, onclose: () => this.closePanel() };
    const panel =
      this.panel === "Service"
        ? mountWithProps(ServicePanel, this.panelSlot, { ...common, tab: this.serviceTab })
        : this.panel === "People"
          ? mountWithProps(PeoplePanel, this.panelSlot, common)
          : mountWithProps(ContactsPanel, this.panelSlot, { ...common, isAgent: this.session.me.kind === "agent", onchanged: () => this.scheduleReload() });
    this.mountedPanel = { name: this.panel, conversation: id, panel };
  }

  /** Closes the open panel (its ✕, or Esc) and gives the focus back to its icon. */
  private closePanel(): void {
    const name = this.panel;
    if (!name || !this.shownScreen) return;
    this.panel = null;
    this.renderConversation(this.shownScreen);
    this.main.querySelector<HTMLElement>(`.header-icons button[aria-label="${name}"]`)?.focus();
  }

  private closeMountedPanel(): void {
    if (!this.mountedPanel) return;
    this.serviceTab = this.mountedPanel.panel.props.tab ?? this.serviceTab;
    this.mountedPanel.panel.destroy();
    this.mountedPanel = null;
  }

  private renderConversation(screen: ConversationScreen): void {
    this.shownScreen = screen;
    const c = screen.view.conversation;
    const toggle = (name: PanelName) => () => {
      this.panel = this.panel === name ? null : name;
      this.renderConversation(screen);
    };
    const header = h(
      "header",
      { class: "conversation-header" },
      h("button", { type: "button", class: "back-to-list", onclick: () => this.element.classList.remove("conversation-open") }, "‹ Conversations"),
      h("div", { class: "grow" }, h("h1", { "data-testid": "conversation-subject" }, c.subject), h("span", { class: "muted" }, peopleCount(c.participant_count))),
      h("div", { class: "header-icons", role: "toolbar", "aria-label": "Conversation tools" }, ...(["Service", "Contacts", "People"] as PanelName[]).map((n) => iconButton(n, this.panel === n, toggle(n)))),
    );
    const pendingIds = new Set(screen.timeline.pending.map(([id]) => id));
    const timeline = h(
      "ol",
      { class: "timeline", "data-testid": "timeline", "aria-label": "Timeline" },
      ...mergeTimeline(screen.timeline.messages, screen.timeline.events).map((entry) =>
        entry.kind === "event"
          ? h("li", { class: "event", "data-testid": "event" }, h("span", {}, entry.item.text), " ", h("time", { datetime: entry.item.created_at }, relativeTime(entry.item.created_at)))
          : h(
              "li",
              { class: `message ${entry.item.author_kind}${pendingIds.has(entry.item.id) ? " pending" : ""}`, "data-testid": "message" },
              h("div", { class: "message-head" }, h("strong", {}, entry.item.author_name), " ", h("time", { datetime: entry.item.created_at }, relativeTime(entry.item.created_at)), pendingIds.has(entry.item.id) ? h("span", { class: "pending", "data-testid": "pending-marker" }, "pending") : null),
              h("p", { class: "message-body" }, entry.item.body),
            ),
      ),
    );
    const queued = screen.queued.filter((q) => q.action.kind !== "post_message" || q.state === "failed");
    const outbox = queued.length
      ? h(
          "ul",
          { class: "outbox", "aria-label": "Queued actions", "data-testid": "outbox" },
          ...queued.map((q) => {
            if (q.state === "pending") return h("li", { class: "queued", "data-testid": "queued-action" }, `${describeAction(q)} — pending`);
            const dismiss = h("button", { type: "button", class: "link" }, "Dismiss");
            const retry = h("button", { type: "button", class: "link" }, "Retry");
            dismiss.addEventListener("click", () => void this.backend.dismiss(q.seq).then(() => this.scheduleReload()));
            retry.addEventListener("click", () => void this.backend.retry(q.seq).then(() => this.scheduleReload()));
            return h("li", { class: "failed", "data-testid": "failed-action", role: "alert" }, `${describeAction(q)} failed: ${q.last_error ?? "refused"} `, retry, dismiss);
          }),
        )
      : null;
    const input = h("textarea", { "aria-label": "Message", placeholder: "Write a message", rows: "2", maxlength: String(LIMITS.message) });
    input.value = this.draft;
    input.addEventListener("input", () => (this.draft = input.value));
    const composer = h("form", { class: "composer" }, input, h("button", { type: "submit", class: "primary" }, "Send"));
    const send = async () => {
      const body = input.value;
      if (!body.trim()) return;
      try {
        await this.backend.postMessage(c.id, body);
        this.draft = "";
        input.value = "";
        this.scheduleReload();
      } catch (e) {
        toast(messageOf(e), "error");
      }
    };
    composer.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void send();
    });
    input.addEventListener("keydown", (ev) => {
      const k = ev as KeyboardEvent;
      if (k.key === "Enter" && !k.shiftKey) {
        k.preventDefault();
        void send();
      }
    });
    if (!can(screen, "post_message").allowed) {
      input.disabled = true;
      input.placeholder = can(screen, "post_message").why;
    }
    this.showPanel(screen);
    const focused = document.activeElement;
    const keepFocus = focused instanceof HTMLTextAreaElement && this.main.contains(focused);
    // A tool icon that had the focus is rebuilt: the new one takes it.
    const focusedTool = focused instanceof HTMLButtonElement && focused.closest(".header-icons") ? focused.getAttribute("aria-label") : null;
    const column = h("div", { class: "conversation-column" }, header, timeline, outbox ?? "", composer);
    this.layout.className = `conversation-layout${this.panel ? " with-panel" : ""}`;
    if (this.layout.parentElement !== this.main) {
      this.layout.replaceChildren(column, this.panelSlot);
      this.main.replaceChildren(this.layout);
    } else {
      // Only the column is rebuilt; the panel's slot stays where it is (moving it would blur it).
      const old = this.layout.querySelector(":scope > .conversation-column");
      if (old) this.layout.replaceChild(column, old);
      else this.layout.prepend(column);
    }
    timeline.scrollTop = timeline.scrollHeight;
    if (keepFocus) input.focus();
    if (focusedTool) this.main.querySelector<HTMLElement>(`.header-icons button[aria-label="${focusedTool}"]`)?.focus();
  }
}
