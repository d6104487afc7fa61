// "Email me a sign-in link": the contact's way to prove their email. Used by the sign-in screen
// (a returning contact types their address) and by the guest banner (someone who joined through a
// Shareable Link proves the address they typed, to see the rest of their conversations).
//
// What the screen says after asking never depends on whether the address is known: the server
// answers the same for both, and so does this.

import { isRateLimited, type Backend } from "../backend";
import { h } from "../dom";
import type { Me } from "../types";
import { messageOf } from "./shared";

/** "30 seconds", "1 minute", "3 minutes": how long to wait, as people say it. */
export function waitText(secs: number): string {
  if (secs < 60) return secs === 1 ? "1 second" : `${secs} seconds`;
  const minutes = Math.ceil(secs / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

/** What to show when asking for a link failed: a rate limit says how long to wait. */
export function emailLinkError(e: unknown): string {
  if (isRateLimited(e)) {
    return e.retry_after_secs !== null
      ? `Too many sign-in links asked for. Try again in ${waitText(e.retry_after_secs)}.`
      : `Too many sign-in links asked for. ${e.message}`;
  }
  return messageOf(e);
}

/** The "Check your inbox" answer, the same for every address. */
export function checkInbox(email: string, serverMessage: string): HTMLElement {
  return h(
    "div",
    { class: "check-inbox", role: "status", "data-testid": "check-inbox" },
    h("h2", {}, "Check your inbox"),
    // The server's words (they say how long the link works); ours only if it sent none.
    h("p", {}, serverMessage || `If ${email} has conversations with us, a sign-in link is on its way to it.`),
  );
}

/**
 * Asks for a link and shows the outcome in `slot`: "Check your inbox" on success, the reason (and
 * wait time) otherwise. Answers whether it was sent.
 */
export async function sendEmailLink(backend: Backend, email: string, slot: HTMLElement, error: HTMLElement): Promise<boolean> {
  error.textContent = "";
  if (!backend.requestEmailLink) {
    error.textContent = "Sign-in links are available in the browser.";
    return false;
  }
  try {
    const answer = await backend.requestEmailLink(email);
    slot.replaceChildren(checkInbox(email, answer?.message ?? ""));
    return true;
  } catch (e) {
    error.textContent = emailLinkError(e);
    return false;
  }
}

/** Whether `me` is a guest: joined through a Shareable Link, email not proven yet. */
export function isGuest(me: Me): boolean {
  return me.kind === "contact" && me.email_verified === false;
}

/**
 * The banner a guest sees above the app: who they joined as, why to verify, and the button that
 * emails them a sign-in link. Null for everyone else (and where links cannot be asked for).
 */
export function guestBanner(backend: Backend, me: Me): HTMLElement | null {
  if (!isGuest(me) || !backend.requestEmailLink) return null;
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "guest-banner-error" });
  const button = h("button", { type: "button", class: "primary" }, "Email me a sign-in link");
  const body = h(
    "div",
    { class: "guest-banner-body" },
    h(
      "p",
      {},
      "You joined through a shared link as ",
      h("strong", { "data-testid": "guest-email" }, me.email),
      ". Verify your email to see all your conversations.",
    ),
    button,
  );
  const banner = h("section", { class: "guest-banner", "aria-label": "Verify your email", "data-testid": "guest-banner" }, body, error);
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = "Sending…";
    const sent = await sendEmailLink(backend, me.email, body, error);
    if (!sent) {
      button.disabled = false;
      button.textContent = "Email me a sign-in link";
    }
  });
  return banner;
}
