// The signed-in window's controller: it reads the backend (the home list, the open conversation's
// screen, the connection) and hands what it read to the components that show it (the top bar, the
// invites, the windowed conversation list, New conversation, the open Conversation). It renders no
// markup of its own beyond the layout they sit in; each component keeps its own state.

import type { Backend } from "../backend";
import { afterNextPaint, h } from "../dom";
import type { ConversationScreen, Home, Invite, ListEntry, SearchHit, SessionInfo, SyncState } from "../types";
import { flushSync } from "svelte";
import Conversation from "../components/Conversation.svelte";
import TopBar from "../components/TopBar.svelte";
import ConversationList from "../components/ConversationList.svelte";
import InviteList from "../components/InviteList.svelte";
import NewConversation from "../components/NewConversation.svelte";
import { mountWithProps, openDialog, type Mounted } from "../components/mount.svelte";
import { signInAgainDialog } from "./session-ended";
import { choiceDialog, messageOf, toast } from "./shared";
import { guestBanner } from "./verify";
import { sayOutcome } from "./panels";

const LAST_KEY = "convene.last";

// What each mounted component is given.
type TopBarProps = {
  me: SessionInfo["me"];
  state: SyncState | "loading";
  pending: number;
  lastSynced: string | null;
  onsignout: () => void;
  onsigninagain: () => void;
  onadmin: () => void;
  onpassword: () => void;
  quiet: string | null | undefined;
  onquiet: (until: string | null) => void;
};
type ConversationListProps = {
  entries: ListEntry[];
  selected: string | null;
  emptyText: string;
  snippets: Record<string, string>;
  onactivate: (id: string) => void;
};
type ConversationProps = {
  backend: Backend;
  screen: ConversationScreen;
  isAgent: boolean;
  onback: () => void;
  onchanged: () => void;
  onolder: () => Promise<void>;
};

/** Messages a conversation opens with; each step back in its history shows this many more. */
const MESSAGE_STEP = 50;

export class AppView {
  readonly element: HTMLElement;
  private readonly topBar: Mounted<TopBarProps>;
  private readonly sidebar = h("nav", { class: "sidebar", "aria-label": "Conversations" });
  private readonly main = h("main", { class: "conversation-pane" });
  private readonly search = h("input", { type: "search", placeholder: "Search conversations", "aria-label": "Search conversations", class: "search" });
  /** Open (the default), Closed or All conversations in the list. */
  private readonly statusFilter = h(
    "select",
    { "aria-label": "Show conversations", class: "status-filter", "data-testid": "status-filter" },
    h("option", { value: "open" }, "Open"),
    h("option", { value: "closed" }, "Closed"),
    h("option", { value: "all" }, "All"),
  );
  private readonly invites: Mounted<{ invites: Invite[]; onjoin: (i: Invite) => void; ondecline: (i: Invite) => void }>;
  private readonly conversations: Mounted<ConversationListProps, { revealKey(id: string): void; count(): number; toTop(): void }>;
  private lastQuery = "";
  private home: Home | null = null;
  private selected: string | null = null;
  /** The conversation on the pane: a component that keeps its own state across new screens. */
  private shown: { conversation: string; view: Mounted<ConversationProps> } | null = null;
  private reloadTimer: number | undefined;
  /** The home last rendered, and its JSON once a later reload needed it for comparing. */
  private shownHome: Home | null = null;
  private shownHomeJson: string | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly session: SessionInfo,
    onSignedOut: () => void,
  ) {
    const me = session.me;
    this.search.addEventListener("input", () => this.renderSidebar());
    this.statusFilter.addEventListener("change", () => this.renderSidebar());
    const listSlot = h("div", { class: "list-slot" });
    this.conversations = mountWithProps(ConversationList, listSlot, {
      entries: [],
      selected: null,
      emptyText: "No conversations yet.",
      snippets: {},
      onactivate: (id: string) => void this.open(id),
    });
    const invitesSlot = h("div", { class: "invites-slot" });
    this.invites = mountWithProps(InviteList, invitesSlot, { invites: [], onjoin: (i) => void this.join(i), ondecline: (i) => void this.decline(i) });
    const createSlot = h("div", { class: "new-conversation-slot" });
    if (session.me.kind === "agent") mountWithProps(NewConversation, createSlot, { oncreate: (subject) => this.create(subject) });
    this.sidebar.append(invitesSlot, h("h2", {}, "Conversations"), this.search, this.statusFilter, listSlot, createSlot);
    const top = h("div", { class: "topbar-slot" });
    this.topBar = mountWithProps(TopBar, top, {
      me,
      state: "loading",
      pending: 0,
      lastSynced: null,
      onsignout: async () => {
        if (!(await this.sendOrDiscardBeforeSignOut())) return;
        await backend.signOut().catch(() => undefined);
        onSignedOut();
      },
      onsigninagain: () => this.openSignInAgain(),
      // Loaded when first opened: the Admin area is not part of the window's cold start.
      onadmin: async () => {
        const { default: AdminArea } = await import("../components/admin/AdminArea.svelte");
        openDialog(AdminArea, (close) => ({ backend, onclose: close }));
      },
      onpassword: async () => {
        const { default: ChangePassword } = await import("../components/ChangePassword.svelte");
        openDialog(ChangePassword, (close) => ({ backend, onclose: close }));
      },
      // Only where the app raises notifications of its own (the desktop).
      quiet: backend.hasOfflineCache ? null : undefined,
      onquiet: (until) => void this.setQuiet(until),
    });
    if (backend.hasOfflineCache) void backend.doNotDisturb().then((until) => (this.topBar.props.quiet = until)).catch(() => undefined);
    this.element = h(
      "div",
      { class: "app" },
      top,
      guestBanner(backend, me),
      h("div", { class: "body" }, this.sidebar, this.main),
    );
    this.main.append(h("p", { class: "empty-pane" }, "Select a conversation."));
    backend.onEvent((event) => {
      if (event.type === "action_failed") toast(`${event.label} failed: ${event.reason}`, "error");
      if (event.type === "action_waiting") toast(`${event.label}: not yet — ${event.reason}. Convene sends it by itself then.`, "error");
      if (event.type === "notice") toast(event.text);
      if (event.type === "access_lost" && event.conversation_id === this.selected) {
        toast("You no longer have access to that conversation", "error");
        this.selected = null;
        this.paneText("You no longer have access to that conversation.", "status");
      }
      this.scheduleReload();
    });
    backend.onOpenConversation((id) => void this.open(id));
  }

  private async setQuiet(until: string | null): Promise<void> {
    try {
      await this.backend.setDoNotDisturb(until);
      this.topBar.props.quiet = await this.backend.doNotDisturb();
      toast(until ? "Do not disturb: notifications are held back" : "Notifications on");
    } catch (e) {
      toast(messageOf(e), "error");
    }
  }

  /** First paint from the cache, then a refresh from the server. */
  async start(): Promise<void> {
    await this.reload();
    // The list reaches the screen before anything else runs: reopening the last conversation and
    // trying the server wait for the first paint instead of delaying it.
    await afterNextPaint();
    if (this.home) void this.backend.startupRendered(this.conversations.instance.count()).catch(() => undefined);
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
      this.searchStale = true;
      this.shownHome = this.home;
      this.shownHomeJson = homeJson;
      this.renderSidebar();
    }
    if (this.selected) await this.loadConversation(this.selected);
  }

  /** The connection status: online, offline (cached), or signed out by the server (sign in again). */
  private renderStatus(state: SyncState): void {
    const props = this.topBar.props;
    props.state = state;
    // What is on its way; an action the server asked to wait shows its wait on its own item.
    const now = Date.now();
    props.pending = this.home?.queued.filter((q) => q.state === "pending" && !(q.not_before && new Date(q.not_before).getTime() > now)).length ?? 0;
    props.lastSynced = this.home?.last_synced_at ?? null;
    flushSync();
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

  /** The last search over the cache and what it found; stale once the cache changed. */
  private searchedFor: { q: string; hits: SearchHit[] } | null = null;
  private searchStale = false;

  private async runSearch(q: string): Promise<void> {
    const hits = (await this.backend.searchConversations(q).catch(() => null)) ?? [];
    this.searchedFor = { q, hits };
    if (this.search.value.trim().toLowerCase() === q) this.renderSidebar();
  }

  private renderSidebar(): void {
    const home = this.home;
    if (!home) return;
    const q = this.search.value.trim().toLowerCase();
    const status = this.statusFilter.value as "open" | "closed" | "all";
    const list = this.conversations.props;
    const listed = (e: ListEntry) => !e.invited && (status === "all" || e.conversation.status === status);
    if (q && this.backend.hasOfflineCache) {
      // Subjects, people and message text, through the cache's full-text index.
      if (this.searchedFor?.q !== q || this.searchStale) {
        this.searchStale = false;
        void this.runSearch(q);
      }
      const hits = this.searchedFor?.q === q ? this.searchedFor.hits : [];
      const byId = new Map(home.conversations.map((e) => [e.conversation.id, e]));
      list.entries = hits.map((h) => byId.get(h.conversation_id)).filter((e): e is ListEntry => !!e && listed(e));
      list.snippets = Object.fromEntries(hits.map((h) => [h.conversation_id, h.snippet]));
    } else {
      list.entries = home.conversations.filter((e) => listed(e) && (!q || e.conversation.subject.toLowerCase().includes(q)));
      list.snippets = {};
    }
    list.emptyText = q ? "No conversation matches your search." : status === "closed" ? "No closed conversations." : "No conversations yet.";
    const shownKey = `${status}\u0000${q}`;
    if (shownKey !== this.lastQuery) {
      this.lastQuery = shownKey;
      this.conversations.instance.toTop();
    }
    this.invites.props.invites = home.invites;
    // On screen when this returns (what the search typed is filtered at once).
    flushSync();
  }

  private async create(subject: string): Promise<void> {
    const c = await this.backend.createConversation(subject);
    await this.reload();
    await this.open(c.id);
  }

  /**
   * Signing out deletes this device's cache, unsent actions with it: with some waiting, asks
   * whether to send them first or discard them. Answers whether to go on signing out.
   */
  private async sendOrDiscardBeforeSignOut(): Promise<boolean> {
    const unsent = () => this.home?.queued.filter((q) => q.state === "pending").length ?? 0;
    const count = unsent();
    if (!this.backend.hasOfflineCache || count === 0) return true;
    const what = count === 1 ? "1 action has" : `${count} actions have`;
    const pick = await choiceDialog(
      "Sign out with unsent actions?",
      `${what} not reached the server yet. Signing out deletes them from this device.`,
      ["Send them first", "Discard and sign out"],
    );
    if (pick === null) return false;
    if (pick === "Discard and sign out") return true;
    const outcome = await this.backend.refresh();
    await this.reload();
    const left = unsent();
    if (left === 0) return true;
    toast(`${left} still unsent: ${outcome.online ? "the server asked to wait" : "the server cannot be reached"}. You are still signed in.`, "error");
    return false;
  }

  private async join(i: Invite): Promise<void> {
    try {
      if (!sayOutcome(await this.backend.queue({ kind: "accept_invite", conversation_id: i.conversation_id, invite_id: i.id }), `Joined “${i.conversation_subject}”`)) return;
    } catch (e) {
      toast(messageOf(e), "error");
      return;
    }
    this.selected = i.conversation_id;
    this.scheduleReload();
  }

  private async decline(i: Invite): Promise<void> {
    try {
      if (!sayOutcome(await this.backend.queue({ kind: "decline_invite", conversation_id: i.conversation_id, invite_id: i.id }), "Invite declined")) return;
    } catch (e) {
      toast(messageOf(e), "error");
      return;
    }
    this.scheduleReload();
  }

  /** How many messages the open conversation shows (more as the reader goes back in it). */
  private messageCount = MESSAGE_STEP;

  async open(id: string, toFront = true): Promise<void> {
    if (id !== this.selected) this.messageCount = MESSAGE_STEP;
    localStorage.setItem(LAST_KEY, id);
    // On a phone the conversation takes the screen; "Conversations" goes back to the list.
    if (toFront) this.element.classList.add("conversation-open");
    this.selected = id;
    this.conversations.props.selected = id;
    flushSync();
    this.conversations.instance.revealKey(id);
    await this.loadConversation(id);
  }

  private async loadConversation(id: string): Promise<void> {
    let screen: ConversationScreen | null;
    try {
      screen = await this.backend.conversation(id, this.messageCount);
    } catch (e) {
      toast(messageOf(e), "error");
      return;
    }
    if (this.selected !== id) return;
    if (!screen) {
      this.paneText("This conversation is not available.");
      return;
    }
    this.showConversation(screen);
    // On screen is read, while the window is in view: the unread count goes, here and on the
    // user's other devices (the core tells the server; nothing happens when nothing is new).
    if (document.visibilityState === "visible" && this.unreadIn(id)) {
      void this.backend.markRead(id).then(() => this.scheduleReload()).catch(() => undefined);
    }
  }

  private unreadIn(id: string): boolean {
    return (this.home?.conversations.find((e) => e.conversation.id === id)?.conversation.unread ?? 0) > 0;
  }

  /** Goes back in the open conversation's history: what the cache holds first, then the server. */
  private async older(): Promise<void> {
    const id = this.selected;
    if (!id) return;
    const shown = this.shown?.view.props.screen.timeline.messages.length ?? 0;
    if (shown >= this.messageCount) {
      this.messageCount += MESSAGE_STEP;
    }
    let screen = await this.backend.conversation(id, this.messageCount).catch(() => null);
    if (screen && screen.timeline.messages.length <= shown && screen.timeline.has_older) {
      await this.backend.loadOlder(id).catch((e: unknown) => toast(messageOf(e), "error"));
      screen = await this.backend.conversation(id, this.messageCount).catch(() => null);
    }
    if (screen && this.selected === id) this.showConversation(screen);
  }

  /** Shows a conversation's screen: a new Conversation for another conversation (a fresh panel,
   *  composer and scroll), the same one handed the new screen otherwise (it keeps its own state). */
  private showConversation(screen: ConversationScreen): void {
    const id = screen.view.conversation.id;
    if (this.shown?.conversation === id) {
      this.shown.view.props.screen = screen;
      return;
    }
    this.closeConversation();
    this.main.replaceChildren();
    const view = mountWithProps(Conversation, this.main, {
      backend: this.backend,
      screen,
      isAgent: this.session.me.kind === "agent",
      onback: () => this.element.classList.remove("conversation-open"),
      onchanged: () => this.scheduleReload(),
      onolder: () => this.older(),
    });
    this.shown = { conversation: id, view };
  }

  /** Takes the conversation off the pane (another one opens, or access to it ended). */
  private closeConversation(): void {
    this.shown?.view.destroy();
    this.shown = null;
  }

  /** Replaces the pane with a sentence (nothing selected, no access). */
  private paneText(text: string, role?: string): void {
    this.closeConversation();
    this.main.replaceChildren(h("p", { class: "empty-pane", role }, text));
  }
}
