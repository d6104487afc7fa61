// The sign-in screen. Two kinds of people use it:
// - team members (agents) sign in with email and password (the only form in the desktop app,
//   which also asks for the server URL);
// - customers (contacts) have no password: in the browser they ask for a one-time sign-in link
//   by email ("Email me a sign-in link").
// `notice` is shown above both, for example "Signed out — sign in again" when a session ended.

import type { Backend } from "../backend";
import { h } from "../dom";
import { LIMITS } from "../generated/types";
import { isBackendError, type AccountChoice, type AppDefaults, type SessionInfo } from "../types";
import { sendEmailLink } from "./verify";

export function signInView(
  backend: Backend,
  defaults: AppDefaults,
  onSignedIn: (session: SessionInfo) => void,
  notice: string | null = null,
): HTMLElement {
  const noticeEl = notice ? h("p", { class: "notice", role: "alert", "data-testid": "signin-notice" }, notice) : null;
  const emailLinks = !backend.hasOfflineCache && typeof backend.requestEmailLink === "function";
  if (!emailLinks) {
    // The desktop app: one card, the agent form.
    const form = agentForm(backend, defaults, onSignedIn);
    form.classList.add("signin-card");
    form.setAttribute("aria-labelledby", "signin-title");
    form.prepend(brand(), h("h1", { id: "signin-title" }, "Sign in"), noticeEl ?? "");
    return h("div", { class: "signin-screen" }, form);
  }
  const agent = agentForm(backend, defaults, onSignedIn);
  agent.setAttribute("aria-labelledby", "agent-title");
  return h(
    "div",
    { class: "signin-screen" },
    h(
      "div",
      { class: "signin-card two-paths" },
      brand(),
      h("h1", { id: "signin-title" }, "Sign in"),
      noticeEl,
      customerSection(backend),
      h("hr", { class: "or", "aria-hidden": "true" }),
      h(
        "section",
        { class: "signin-path", "aria-labelledby": "agent-title" },
        h("h2", { id: "agent-title" }, "Team members"),
        h("p", { class: "muted" }, "Sign in with your work email and password."),
        agent,
      ),
    ),
  );
}

function brand(): HTMLElement {
  return h("div", { class: "brand" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Convene");
}

/** Customers: their email, then "Check your inbox" (the same answer for every address). */
function customerSection(backend: Backend): HTMLElement {
  const email = h("input", { id: "link-email", name: "email", type: "email", required: true, autocomplete: "email", maxlength: String(LIMITS.email) });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "email-link-error" });
  const submit = h("button", { type: "submit", class: "primary" }, "Email me a sign-in link");
  const form = h(
    "form",
    { class: "signin-form", "data-testid": "email-link-form", "aria-labelledby": "customer-title" },
    h("label", { for: "link-email" }, "Your email"),
    email,
    error,
    submit,
  );
  const slot = h("div", { class: "email-link-slot" }, form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const address = email.value.trim();
    submit.disabled = true;
    submit.textContent = "Sending…";
    const sent = await sendEmailLink(backend, address, slot, error);
    if (sent) {
      const again = h("button", { type: "button", class: "link" }, "Use another email");
      again.addEventListener("click", () => {
        slot.replaceChildren(form);
        email.focus();
      });
      slot.append(again);
    }
    submit.disabled = false;
    submit.textContent = "Email me a sign-in link";
  });
  return h(
    "section",
    { class: "signin-path", "aria-labelledby": "customer-title", "data-testid": "customer-signin" },
    h("h2", { id: "customer-title" }, "Customers"),
    h("p", { class: "muted" }, "No password needed: we email you a link that signs you in to your conversations."),
    slot,
  );
}

/** Agents (and the desktop app): server URL (desktop only), email, password. */
function agentForm(backend: Backend, defaults: AppDefaults, onSignedIn: (session: SessionInfo) => void): HTMLFormElement {
  const server = h("input", { id: "server-url", name: "server_url", type: "url", required: true, autocomplete: "url" });
  server.value = defaults.server_url;
  const email = h("input", { id: "email", name: "email", type: "email", required: true, autocomplete: "username" });
  email.value = defaults.email;
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    required: true,
    autocomplete: "current-password",
  });
  password.value = defaults.password;
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "signin-error" });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const teams = accountPicker();
  // Another email may open other accounts: the choice belongs to the email it was offered for.
  email.addEventListener("input", () => teams.clear());

  const form = h(
    "form",
    { class: "signin-form", "data-testid": "signin-form" },
    backend.hasOfflineCache && h("label", { for: "server-url" }, "Server URL"),
    backend.hasOfflineCache && server,
    h("label", { for: "email" }, "Email"),
    email,
    h("label", { for: "password" }, "Password"),
    password,
    teams.element,
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    submit.textContent = "Signing in…";
    try {
      onSignedIn(await backend.signIn(server.value, email.value, password.value, teams.selected()));
    } catch (e) {
      if (isBackendError(e) && e.code === "choose_account" && e.accounts?.length) {
        teams.offer(e.accounts);
        error.textContent = "This email and password sign in to more than one team. Choose one, then Sign in.";
      } else {
        error.textContent = isBackendError(e)
          ? e.code === "offline"
            ? `Cannot reach ${server.value}. Check the server URL and your connection.`
            : e.message
          : String(e);
      }
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  });
  if (defaults.auto_sign_in && defaults.email && defaults.password) {
    queueMicrotask(() => form.requestSubmit());
  }
  return form;
}

/**
 * "Which team?": the accounts a sign-in may choose from (the server's `choose_account` answer), as
 * radio buttons. Hidden until offered; `selected()` is the chosen account's id, if any.
 */
export function accountPicker(): { element: HTMLElement; offer(accounts: AccountChoice[]): void; clear(): void; selected(): string | undefined } {
  const list = h("div", { class: "account-choices" });
  const element = h(
    "fieldset",
    { class: "account-choice", hidden: true, "data-testid": "account-choice" },
    h("legend", {}, "Sign in to which team?"),
    list,
  );
  return {
    element,
    offer(accounts) {
      list.replaceChildren(
        ...accounts.map((account, i) => {
          const radio = h("input", { type: "radio", name: "account", id: `account-${account.id}`, value: account.id });
          radio.checked = i === 0;
          return h("label", { class: "radio", for: `account-${account.id}` }, radio, account.name);
        }),
      );
      element.hidden = false;
      list.querySelector<HTMLInputElement>("input")?.focus();
    },
    clear() {
      list.replaceChildren();
      element.hidden = true;
    },
    selected() {
      return list.querySelector<HTMLInputElement>("input:checked")?.value;
    },
  };
}
