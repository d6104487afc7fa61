import { afterEach, describe, expect, it, vi } from "vitest";
import { SIGNED_OUT, isRateLimited } from "./backend";
import { HttpBackend } from "./backends/http";

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/** A fetch that answers from `route(method, path)` and records what was asked. */
function fakeFetch(route: (method: string, path: string, body: unknown) => Answer) {
  const calls: { method: string; path: string; body: unknown; auth: string | undefined }[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    const path = new URL(url).pathname;
    const headers = (init.headers ?? {}) as Record<string, string>;
    const body = init.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method: init.method ?? "GET", path, body, auth: headers.Authorization });
    const a = route(init.method ?? "GET", path, body);
    return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status, headers: a.headers });
  });
  return calls;
}

const problem = (status: number, code: string, detail: string) => ({ type: "x", title: "t", status, code, detail });
const contact = { kind: "contact", id: "c1", account_id: "a", account_name: "Acme", email: "pia@example.com", name: "Pia", email_verified: true };

function backend() {
  sessionStorage.clear();
  localStorage.clear();
  return new HttpBackend("http://convene.test", sessionStorage, localStorage);
}

afterEach(() => vi.unstubAllGlobals());

describe("HttpBackend sessions that end", () => {
  it("reports the first 401 of a signed-in session once, as signed out, and forgets the token", async () => {
    const b = backend();
    fakeFetch((_m, path) =>
      path === "/api/v1/auth/login" ? { status: 200, body: { token: "tok", me: { ...contact, kind: "agent", role: "agent" } } } : { status: 401, body: problem(401, "unauthenticated", "session expired") },
    );
    const signedOut = vi.fn();
    b.onSignedOut(signedOut);
    await b.signIn("", "ana@example.com", "pw");
    // The session is the cookie the server set; the page keeps no token that could speak for
    // someone other than the stream does.
    expect(sessionStorage.getItem("convene.token")).toBeNull();
    await expect(b.conversation("c")).rejects.toMatchObject({ code: "unauthenticated", message: SIGNED_OUT });
    const outcome = await b.refresh();
    expect(outcome.error).toBe(SIGNED_OUT);
    // A cookie session's 401 is asked once more before it counts (the cookie may have changed hands).
    await vi.waitFor(() => expect(signedOut).toHaveBeenCalledTimes(1), { timeout: 3000 });
    expect(sessionStorage.getItem("convene.token")).toBeNull();
    expect(b.sessionEnded()).toBe(true);
  });

  it("double-checks a cookie session's 401 and then reports it once", async () => {
    sessionStorage.clear();
    let me = 0;
    fakeFetch((_m, path) => (path === "/api/v1/me" && me++ === 0 ? { status: 200, body: contact } : { status: 401, body: problem(401, "unauthenticated", "session ended") }));
    const b = new HttpBackend("http://convene.test", sessionStorage, localStorage, () => {
      throw new Error("no restart for the same browser signed out");
    });
    const signedOut = vi.fn();
    b.onSignedOut(signedOut);
    expect(await b.session()).not.toBeNull();
    await b.refresh();
    await b.refresh();
    expect(signedOut).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(signedOut).toHaveBeenCalledTimes(1));
  });

  it("starts over, not signed out, when the browser's cookie now belongs to someone else (a guest proved their email in another tab)", async () => {
    sessionStorage.clear();
    const guest = { ...contact, id: "guest", email_verified: false };
    const proven = { ...contact, id: "proven" };
    let me = 0;
    fakeFetch((_m, path) => {
      if (path === "/api/v1/me") return { status: 200, body: me++ === 0 ? guest : proven };
      return { status: 401, body: problem(401, "unauthenticated", "session ended") };
    });
    const restart = vi.fn();
    const b = new HttpBackend("http://convene.test", sessionStorage, localStorage, restart);
    const signedOut = vi.fn();
    b.onSignedOut(signedOut);
    await b.session();
    await b.refresh();
    await vi.waitFor(() => expect(restart).toHaveBeenCalledTimes(1));
    expect(signedOut).not.toHaveBeenCalled();
  });

  it("does not take a wrong password for a session ending", async () => {
    const b = backend();
    fakeFetch(() => ({ status: 401, body: problem(401, "unauthenticated", "That email and password do not match. Check them and try again.") }));
    const signedOut = vi.fn();
    b.onSignedOut(signedOut);
    await expect(b.signIn("", "ana@example.com", "nope")).rejects.toMatchObject({ message: "That email and password do not match. Check them and try again." });
    expect(signedOut).not.toHaveBeenCalled();
  });

  it("at start, tells a session that ended from one that never was", async () => {
    fakeFetch(() => ({ status: 401, body: problem(401, "unauthenticated", "sign in first") }));
    const fresh = backend();
    expect(await fresh.session()).toBeNull();
    expect(fresh.sessionEnded()).toBe(false);

    localStorage.setItem("convene.had-session", "1");
    const returning = new HttpBackend("http://convene.test", sessionStorage, localStorage);
    expect(await returning.session()).toBeNull();
    expect(returning.sessionEnded()).toBe(true);
  });

  it("after Sign out, a later start is a plain sign-in again", async () => {
    const b = backend();
    fakeFetch((_m, path) => (path === "/api/v1/me" ? { status: 200, body: contact } : { status: 204 }));
    expect(await b.session()).not.toBeNull();
    expect(localStorage.getItem("convene.had-session")).toBe("1");
    await b.signOut();
    expect(localStorage.getItem("convene.had-session")).toBeNull();
  });

  it("a network failure is offline, not signed out", async () => {
    const b = backend();
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("Failed to fetch");
    });
    const signedOut = vi.fn();
    b.onSignedOut(signedOut);
    const outcome = await b.refresh();
    expect(outcome.online).toBe(false);
    expect(signedOut).not.toHaveBeenCalled();
  });
});

describe("HttpBackend.requestEmailLink", () => {
  it("posts the address without the session token and answers the server's message", async () => {
    const b = backend();
    sessionStorage.setItem("convene.token", "tok");
    const calls = fakeFetch(() => ({ status: 202, body: { message: "If that address is known, a link is on its way." } }));
    const answer = await b.requestEmailLink("pia@example.com");
    expect(answer.message).toBe("If that address is known, a link is on its way.");
    expect(calls).toEqual([{ method: "POST", path: "/api/v1/auth/email-link", body: { email: "pia@example.com" }, auth: undefined }]);
  });

  it("rejects a rate limit with the Retry-After seconds", async () => {
    const b = backend();
    fakeFetch(() => ({ status: 429, body: problem(429, "rate_limited", "too many sign-in links"), headers: { "Retry-After": "42" } }));
    const error = await b.requestEmailLink("pia@example.com").catch((e: unknown) => e);
    expect(isRateLimited(error)).toBe(true);
    expect(error).toMatchObject({ code: "rate_limited", retry_after_secs: 42 });
  });

  it("rejects a malformed address naming the field, and never as signed out", async () => {
    const b = backend();
    fakeFetch(() => ({ status: 422, body: { ...problem(422, "invalid_input", "email is not a valid address"), field: "email" } }));
    const signedOut = vi.fn();
    b.onSignedOut(signedOut);
    await expect(b.requestEmailLink("nope")).rejects.toMatchObject({ code: "invalid_input", field: "email" });
    expect(signedOut).not.toHaveBeenCalled();
  });
});

describe("HttpBackend invites", () => {
  it("says nothing was sent when the server answers already joined or already invited, naming the field", async () => {
    const b = backend();
    const outcomes = ["already_joined", "already_invited", "invited"];
    fakeFetch((_m, path) =>
      path.endsWith("/contact-invites") ? { status: 200, body: { invite: outcomes[0] === "already_joined" ? null : { invitee_name: "Carol Jones" }, outcome: outcomes[0], message: { already_joined: "Carol Jones is already in this conversation", already_invited: "Carol Jones is already invited; use Resend Invite in People", invited: null }[outcomes.shift()!] } } : { status: 404, body: problem(404, "not_found", "no") },
    );
    const invite = () => b.queue({ kind: "invite_contact", conversation_id: "c-1", request: { email: "carol@x.test" } });
    await expect(invite()).rejects.toEqual({ code: "already_joined", message: "Carol Jones is already in this conversation", field: "email" });
    await expect(invite()).rejects.toEqual({ code: "already_invited", message: "Carol Jones is already invited; use Resend Invite in People", field: "email" });
    await expect(invite()).resolves.toEqual({ seq: 0, state: "sent", reason: null, retry_after_secs: null });
  });
});
