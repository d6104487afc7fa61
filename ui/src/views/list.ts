// The conversation list: read from the cache first, then brought up to date from the server.

import type { Backend } from "../backend";
import { h } from "../dom";
import { initials, peopleCount, relativeTime, roleLabel } from "../format";
import { isBackendError, type Conversation, type SessionInfo, type SyncOutcome } from "../types";

export interface ListView {
  element: HTMLElement;
  /** Asks the server for the latest list; shows the outcome. */
  refresh(): Promise<void>;
}

export function listView(backend: Backend, session: SessionInfo, onSignedOut: () => void): ListView {
  const status = h("div", { class: "status", role: "status", "data-testid": "connection-status" }, "Loading…");
  const list = h("ul", { class: "conversations", "data-testid": "conversation-list", "aria-label": "Conversations" });
  const search = h("input", {
    type: "search",
    placeholder: "Search conversations",
    "aria-label": "Search conversations",
    class: "search",
  });
  let conversations: Conversation[] = [];

  const renderList = () => {
    const q = search.value.trim().toLowerCase();
    const shown = q ? conversations.filter((c) => c.subject.toLowerCase().includes(q)) : conversations;
    list.replaceChildren(
      ...shown.map((c) =>
        h(
          "li",
          { class: "conversation", "data-testid": "conversation-item", "data-id": c.id, tabindex: "0" },
          h("span", { class: "subject" }, c.subject),
          h(
            "span",
            { class: "meta" },
            h("span", { class: `badge role-${c.my_role ?? "none"}` }, roleLabel(c.my_role)),
            h("span", {}, peopleCount(c.participant_count)),
            h("time", { datetime: c.updated_at }, relativeTime(c.updated_at)),
          ),
        ),
      ),
    );
    if (shown.length === 0) {
      list.append(h("li", { class: "empty" }, q ? "No conversation matches your search." : "No conversations yet."));
    }
  };
  search.addEventListener("input", renderList);

  const showOutcome = (outcome: SyncOutcome) => {
    conversations = outcome.conversations;
    renderList();
    status.classList.toggle("offline", !outcome.online);
    if (outcome.online && !outcome.error) {
      status.textContent = "Online";
    } else if (!outcome.online) {
      const when = outcome.last_synced_at ? ` (last synced ${relativeTime(outcome.last_synced_at)})` : "";
      status.textContent = `Offline — showing cached conversations${when}`;
    } else {
      status.textContent = outcome.error ?? "";
    }
  };

  const subject = h("input", {
    name: "subject",
    placeholder: "New conversation subject",
    "aria-label": "New conversation subject",
    maxlength: "200",
    required: true,
  });
  const createError = h("p", { class: "form-error", role: "alert" });
  const createForm = h(
    "form",
    { class: "new-conversation" },
    subject,
    h("button", { type: "submit", class: "primary" }, "New conversation"),
    createError,
  );
  createForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    createError.textContent = "";
    try {
      await backend.createConversation(subject.value);
      subject.value = "";
      await view.refresh();
    } catch (e) {
      createError.textContent = isBackendError(e) ? e.message : String(e);
    }
  });

  const signOut = h("button", { type: "button", class: "link" }, "Sign out");
  signOut.addEventListener("click", async () => {
    await backend.signOut().catch(() => undefined);
    onSignedOut();
  });

  const me = session.me;
  const element = h(
    "div",
    { class: "list-screen" },
    h(
      "header",
      { class: "topbar" },
      h("div", { class: "brand" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Convene"),
      h("span", { class: "account" }, me.account_name),
      status,
      h(
        "div",
        { class: "me" },
        h("span", { class: "avatar", "aria-hidden": "true" }, initials(me.name)),
        h("span", { "data-testid": "me-name" }, me.name),
        me.kind === "agent" && h("span", { class: "badge" }, roleLabel(me.role)),
        signOut,
      ),
    ),
    h("section", { class: "sidebar" }, h("h2", {}, "Conversations"), search, list, me.kind === "agent" && createForm),
  );

  const view: ListView = {
    element,
    async refresh() {
      showOutcome(await backend.refresh());
    },
  };

  if (backend.hasOfflineCache) {
    // Show the cache at once; the network never blocks the first paint.
    backend
      .cachedConversations()
      .then((cached) => {
        conversations = cached;
        renderList();
      })
      .catch(() => undefined);
  }
  return view;
}
