import { flushSync } from "svelte";
import { describe, expect, it, vi } from "vitest";
import type { Backend, RateLimitedError } from "./backend";
import type { AppDefaults, Me } from "./types";
import { signInView } from "./views/signin";
import { guestBanner, waitText } from "./views/verify";

const defaults: AppDefaults = { server_url: "http://convene.test", email: "", password: "", auto_sign_in: false };

function browserBackend(requestEmailLink: (email: string) => Promise<{ message: string }>) {
  return { hasOfflineCache: false, requestEmailLink: vi.fn(requestEmailLink), signIn: vi.fn() } as unknown as Backend & { requestEmailLink: ReturnType<typeof vi.fn> };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

function ask(view: HTMLElement, email: string) {
  const input = view.querySelector<HTMLInputElement>("#link-email")!;
  input.value = email;
  view.querySelector<HTMLFormElement>("[data-testid=email-link-form]")!.dispatchEvent(new Event("submit", { cancelable: true }));
}

describe("the browser's sign-in screen", () => {
  it("offers customers a sign-in link and team members their password, each under its own heading", () => {
    const view = signInView(browserBackend(async () => ({ message: "" })), defaults, () => undefined);
    const headings = [...view.querySelectorAll("h2")].map((x) => x.textContent);
    expect(headings).toEqual(["Customers", "Team members"]);
    expect(view.querySelector("[data-testid=email-link-form] button")?.textContent).toBe("Email me a sign-in link");
    expect(view.querySelector("[data-testid=signin-form] #password")).not.toBeNull();
    expect(view.querySelector("#server-url")).toBeNull();
  });

  it("answers “Check your inbox” with the same words for any address", async () => {
    const backend = browserBackend(async () => ({ message: "If the address is known, a link is on its way." }));
    const texts: string[] = [];
    for (const email of ["pia@example.com", "nobody@example.com"]) {
      const view = signInView(backend, defaults, () => undefined);
      ask(view, email);
      await settle();
      const answer = view.querySelector("[data-testid=check-inbox]");
      expect(answer?.querySelector("h2")?.textContent).toBe("Check your inbox");
      texts.push(answer!.textContent!.replace(email, "<email>"));
    }
    expect(texts[0]).toBe(texts[1]);
    expect(backend.requestEmailLink.mock.calls).toEqual([["pia@example.com"], ["nobody@example.com"]]);
  });

  it("shows a rate limit with its wait time and keeps the form", async () => {
    const limited: RateLimitedError = { code: "rate_limited", message: "too many", field: null, retry_after_secs: 90 };
    const view = signInView(
      browserBackend(async () => Promise.reject(limited)),
      defaults,
      () => undefined,
    );
    ask(view, "pia@example.com");
    await settle();
    expect(view.querySelector("[data-testid=email-link-error]")?.textContent).toBe("Too many sign-in links asked for. Try again in 2 minutes.");
    expect(view.querySelector("[data-testid=check-inbox]")).toBeNull();
    expect(view.querySelector<HTMLButtonElement>("[data-testid=email-link-form] button")?.disabled).toBe(false);
  });

  it("says “Signed out — sign in again” when a session ended", () => {
    const view = signInView(browserBackend(async () => ({ message: "" })), defaults, () => undefined, "Signed out — sign in again");
    expect(view.querySelector("[data-testid=signin-notice]")?.textContent).toBe("Signed out — sign in again");
  });
});

describe("the desktop app's sign-in screen", () => {
  it("keeps its one agent form with the server URL, and no sign-in link", () => {
    const backend = { hasOfflineCache: true, signIn: vi.fn() } as unknown as Backend;
    const view = signInView(backend, defaults, () => undefined);
    const form = view.querySelector("[data-testid=signin-form]")!;
    expect(form.querySelector("#server-url")).not.toBeNull();
    expect(form.querySelector("button[type=submit]")?.textContent).toBe("Sign in");
    expect(view.querySelector("[data-testid=email-link-form]")).toBeNull();
    expect(view.textContent).not.toContain("Email me a sign-in link");
  });
});

describe("an email that opens several teams", () => {
  it("asks which team, and signs in to the chosen one", async () => {
    const me: Me = { kind: "agent", id: "ag", account_id: "b", account_name: "Beta", email: "ana@x.test", name: "Ana", role: "agent", admin: { allowed: false, why: null } };
    const signIn = vi
      .fn()
      .mockRejectedValueOnce({ code: "choose_account", message: "choose", field: null, accounts: [{ id: "a", name: "Acme" }, { id: "b", name: "Beta" }] })
      .mockResolvedValueOnce({ server_url: "http://convene.test", me });
    const backend = { hasOfflineCache: true, signIn } as unknown as Backend;
    const signedIn = vi.fn();
    const view = signInView(backend, { ...defaults, email: "ana@x.test", password: "pw" }, signedIn);
    document.body.append(view);
    const form = view.querySelector<HTMLFormElement>("[data-testid=signin-form]")!;
    const choice = view.querySelector<HTMLElement>("[data-testid=account-choice]")!;
    expect(choice.hidden).toBe(true);
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    expect(choice.hidden).toBe(false);
    expect([...choice.querySelectorAll("label")].map((l) => l.textContent)).toEqual(["Acme", "Beta"]);
    expect(view.querySelector("[data-testid=signin-error]")?.textContent).toContain("more than one team");
    expect(signedIn).not.toHaveBeenCalled();
    choice.querySelector<HTMLInputElement>("input[value=b]")!.checked = true;
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    expect(signIn.mock.calls.map((c) => c[3])).toEqual([undefined, "b"]);
    expect(signedIn).toHaveBeenCalledWith({ server_url: "http://convene.test", me });
    // Another email: the choice was for the first one.
    const email = view.querySelector<HTMLInputElement>("#email")!;
    email.value = "ben@x.test";
    email.dispatchEvent(new Event("input", { bubbles: true }));
    flushSync();
    expect(choice.hidden).toBe(true);
    view.remove();
  });
});

describe("the guest banner", () => {
  const guest: Me = { kind: "contact", id: "g", account_id: "a", account_name: "Acme", email: "pia@example.com", name: "Pia", email_verified: false };

  it("shows only for a contact whose email is not proven", () => {
    const backend = browserBackend(async () => ({ message: "" }));
    expect(guestBanner(backend, guest)?.textContent).toContain("You joined through a shared link as pia@example.com");
    expect(guestBanner(backend, { ...guest, email_verified: true })).toBeNull();
    expect(guestBanner(backend, { kind: "agent", id: "x", account_id: "a", account_name: "Acme", email: "ana@acme.test", name: "Ana", role: "agent", admin: { allowed: false, why: null } })).toBeNull();
  });

  it("asks for a link to the address the guest joined with, then says “Check your inbox”", async () => {
    const backend = browserBackend(async () => ({ message: "" }));
    const banner = guestBanner(backend, guest)!;
    banner.querySelector("button")!.click();
    await settle();
    expect(backend.requestEmailLink.mock.calls).toEqual([["pia@example.com"]]);
    expect(banner.querySelector("[data-testid=check-inbox] h2")?.textContent).toBe("Check your inbox");
  });
});

describe("waitText", () => {
  it("says seconds under a minute and whole minutes, rounded up, above", () => {
    expect([1, 42, 60, 61, 900].map(waitText)).toEqual(["1 second", "42 seconds", "1 minute", "2 minutes", "15 minutes"]);
  });
});

describe("Forgot password?", () => {
  it("asks the server for a reset link for the email typed above, and says what the server said", async () => {
    const requestPasswordReset = vi.fn(async () => ({ message: "If ana@x.test belongs to a Convene team member, a link is on its way." }));
    const backend = { hasOfflineCache: true, requestPasswordReset, signIn: vi.fn() } as unknown as Backend;
    const view = signInView(backend, { ...defaults, server_url: "http://team.test" }, () => undefined);
    const forgot = [...view.querySelectorAll("button")].find((b) => b.textContent === "Forgot password?")!;
    forgot.click();
    flushSync();
    expect(view.querySelector("[data-testid=signin-error]")?.textContent).toBe("Type your email above, then choose “Forgot password?”.");
    expect(requestPasswordReset).not.toHaveBeenCalled();
    view.querySelector<HTMLInputElement>("#email")!.value = "ana@x.test";
    forgot.click();
    await settle();
    flushSync();
    expect(requestPasswordReset).toHaveBeenCalledWith("http://team.test", "ana@x.test");
    expect(view.querySelector("[data-testid=reset-sent]")?.textContent).toBe("If ana@x.test belongs to a Convene team member, a link is on its way.");
  });
});
