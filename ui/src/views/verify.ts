// "Email me a sign-in link": the contact's way to prove their email. Used by the sign-in screen
// (components/EmailLinkForm.svelte: a returning contact types their address) and by the guest
// banner (components/GuestBanner.svelte: someone who joined through a Shareable Link proves the
// address they typed, to see the rest of their conversations).
//
// What the screen says after asking never depends on whether the address is known: the server
// answers the same for both, and so does this.

import { mount } from "svelte";
import { isRateLimited, type Backend } from "../backend";
import GuestBanner from "../components/GuestBanner.svelte";
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

/** Asks for a sign-in link to `email`: the server's answer to show under "Check your inbox", or
 *  what to show instead (links not available here, a rate limit with its wait, a refusal). */
export async function askForLink(backend: Backend, email: string): Promise<{ sent: string } | { error: string }> {
  if (!backend.requestEmailLink) return { error: "Sign-in links are available in the browser." };
  try {
    return { sent: (await backend.requestEmailLink(email))?.message ?? "" };
  } catch (e) {
    return { error: emailLinkError(e) };
  }
}

/** Whether `me` is a guest: joined through a Shareable Link, email not proven yet. */
export function isGuest(me: Me): boolean {
  return me.kind === "contact" && me.email_verified === false;
}

/**
 * The banner a guest sees above the app (components/GuestBanner.svelte), in an element of its own.
 * Null for everyone else (and where links cannot be asked for).
 */
export function guestBanner(backend: Backend, me: Me): HTMLElement | null {
  if (!isGuest(me) || !backend.requestEmailLink) return null;
  const host = document.createElement("div");
  host.className = "guest-banner-host";
  mount(GuestBanner, { target: host, props: { backend, me } });
  return host;
}
