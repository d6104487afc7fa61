// Contacts coming back, and a Shareable Link that hands out nobody else's identity (issue 12), in
// headless Chromium against the real server and a real SMTP sink: "Email me a sign-in link" on the
// web client's sign-in screen, the /s/{token} page, the guest banner, and "Signed out — sign in again".

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { api, artifacts, createAccount, joinLink, launchBrowser, signInLink, startServer, startSmtpSink } from "./harness.mjs";

let sink;
let server;
let browser;
let ana;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  sink = await startSmtpSink();
  server = await startServer({ smtpUrl: sink.url });
  browser = await launchBrowser();
  ana = await api(server.url).login("ana@demo.convene.test");
});

after(async () => {
  await browser?.close();
  server?.stop();
  sink?.close();
});

const unique = (name) => `${name}-${randomBytes(4).toString("hex")}@example.com`;

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

async function conversation(subject, message) {
  const r = await ana.post("/conversations", { subject });
  assert.equal(r.status, 201);
  if (message) assert.equal((await ana.post(`/conversations/${r.body.id}/messages`, { body: message })).status, 201);
  return r.body.id;
}

/** A contact invited by email to a new conversation, who joined through the email's link. */
async function invitedContact(email, name, subject, message) {
  const id = await conversation(subject, message);
  const sent = sink.to(email).length;
  assert.equal((await ana.post(`/conversations/${id}/contact-invites`, { email, name })).status, 201);
  const mail = (await sink.waitForTo(email, sent + 1)).at(-1);
  const token = new URL(joinLink(mail.raw)).pathname.split("/").pop();
  const joined = await api(server.url).post(`/join/${token}`, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  return id;
}

/** Joins a conversation's Shareable Link in the page's browser, as `name` <`email`>. */
async function joinShareLink(page, conversationId, name, email) {
  const link = (await ana.get(`/conversations/${conversationId}/share-link`)).body.url;
  await page.goto(link);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Your email").fill(email);
  await page.getByRole("button", { name: "Join conversation" }).click();
}

/** Subjects in the conversation list. */
async function listed(page) {
  return page.getByTestId("conversation-item").locator(".subject").allTextContents();
}

/** "Email me a sign-in link" on the web client's sign-in screen; answers what the screen says. */
async function askForLink(page, email) {
  await page.goto(`${server.url}/app/`);
  await page.getByRole("heading", { name: "Customers" }).waitFor();
  await page.locator("#link-email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  const answer = page.getByTestId("check-inbox");
  await answer.waitFor();
  return (await answer.innerText()).replaceAll(email, "<email>");
}

/** Follows a sign-in link as a person would: open it, check whom it signs in, press "Sign in". */
async function followSignInLink(page, link, email) {
  const response = await page.goto(link);
  assert.equal(response.status(), 200);
  await page.getByText(email, { exact: true }).waitFor();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${server.url}/app/**`);
}

test("a contact whose session is gone gets a sign-in link, exactly one email, and is back in their conversation; used and made-up links get one page", async () => {
  const email = unique("rosa");
  await invitedContact(email, "Rosa Return", "Returning contact", "Your replacement ships Monday.");
  const mailsBefore = sink.to(email).length;

  // A new browser: no cookie, so the sign-in screen, with a way in for customers.
  const context = await browser.newContext();
  const page = await context.newPage();
  const knownAnswer = await askForLink(page, email);
  assert.match(knownAnswer, /Check your inbox/);
  await shot(page, "signin-check-inbox");

  const [mail] = (await sink.waitForTo(email, mailsBefore + 1)).slice(mailsBefore);
  const link = signInLink(mail.raw);
  assert.ok(link.startsWith(`${server.url}/s/`), link);
  await followSignInLink(page, link, email);
  await page.getByTestId("conversation-subject").filter({ hasText: "Returning contact" }).waitFor({ timeout: 15000 });
  await page.getByTestId("message").getByText("Your replacement ships Monday.").waitFor();
  assert.equal(await page.getByTestId("guest-banner").count(), 0, "a proven contact is no guest");
  const cookie = (await context.cookies()).find((c) => c.name === "convene_session");
  assert.ok(cookie?.httpOnly, "signed in by an HttpOnly cookie");
  assert.equal(sink.to(email).length, mailsBefore + 1, "exactly one sign-in email");

  // The same link again, and a made-up one: the same page, which offers a new link.
  const again = await page.goto(link);
  assert.equal(again.status(), 410);
  await page.getByRole("heading", { name: "This sign-in link no longer works" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Email me a sign-in link" }).count(), 1);
  const usedPage = await page.locator("main").innerText();
  await shot(page, "signin-link-used");
  const madeUp = await page.goto(`${server.url}/s/${randomBytes(32).toString("base64url")}`);
  assert.equal(madeUp.status(), 410);
  assert.equal(await page.locator("main").innerText(), usedPage);
  await context.close();

  // An address nobody has: the same words on screen, and no email.
  const stranger = await browser.newContext();
  const nobody = unique("nobody");
  assert.equal(await askForLink(await stranger.newPage(), nobody), knownAnswer);
  await stranger.close();
  // Emails leave in order: once a link asked for after it has arrived, one for `nobody` would have too.
  const marker = unique("marker");
  await invitedContact(marker, "Mark Marker", "Marker conversation");
  const markerBefore = sink.to(marker).length;
  assert.equal((await api(server.url).post("/auth/email-link", { email: marker })).status, 202);
  await sink.waitForTo(marker, markerBefore + 1);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(sink.to(nobody), [], "no email for an unknown address");
});

test("a stranger who joins another conversation's Shareable Link with a contact's email sees that conversation only", async () => {
  const victim = unique("vera");
  const privateA = await invitedContact(victim, "Vera Victim", "Private A", "Your order 4471 ships to 12 Elm Street.");
  const publicB = await conversation("Public B", "Welcome to B.");

  const context = await browser.newContext();
  const page = await context.newPage();
  await joinShareLink(page, publicB, "Mallory", victim);
  await page.getByTestId("conversation-subject").filter({ hasText: "Public B" }).waitFor({ timeout: 15000 });
  await page.getByTestId("message").getByText("Welcome to B.").waitFor();
  assert.deepEqual(await listed(page), ["Public B"]);
  // The web client tells the guest what they are and how to see more.
  const banner = page.getByTestId("guest-banner");
  await banner.waitFor();
  assert.match(await banner.innerText(), new RegExp(`joined through a shared link as ${victim.replace(/[.+]/g, "\\$&")}`));
  await shot(page, "guest-banner");

  // The API from the stranger's page: A does not exist for them.
  const answers = await page.evaluate(async (a) => {
    const status = async (p) => (await fetch(p)).status;
    return {
      conversation: await status(`/api/v1/conversations/${a}`),
      messages: await status(`/api/v1/conversations/${a}/messages`),
      sync: await (await fetch("/api/v1/sync")).text(),
    };
  }, privateA);
  assert.equal(answers.conversation, 404);
  assert.equal(answers.messages, 404);
  assert.ok(!answers.sync.includes(privateA), "A is not in the stranger's sync");

  // A's route in the web client shows nothing of A.
  await page.goto("about:blank");
  await page.goto(`${server.url}/app/#/c/${privateA}`);
  await page.getByText("This conversation is not available.").waitFor({ timeout: 15000 });
  const text = await page.locator("body").innerText();
  assert.ok(!text.includes("Private A"), text);
  assert.ok(!text.includes("4471"), text);
  await shot(page, "stranger-on-private-route");
  await context.close();
});

test("a guest verifies their email from the banner and then sees their other conversations too", async () => {
  const email = unique("gina");
  await invitedContact(email, "Gina Guest", "Gina's order", "Your refund is on its way.");
  const viaLink = await conversation("Gina via link", "Hello from the link.");

  const context = await browser.newContext();
  const page = await context.newPage();
  await joinShareLink(page, viaLink, "Gina Guest", email);
  await page.getByTestId("conversation-subject").filter({ hasText: "Gina via link" }).waitFor({ timeout: 15000 });
  assert.deepEqual(await listed(page), ["Gina via link"], "unproven, the link's conversation only");

  const mailsBefore = sink.to(email).length;
  const banner = page.getByTestId("guest-banner");
  await banner.getByRole("button", { name: "Email me a sign-in link" }).click();
  await banner.getByRole("heading", { name: "Check your inbox" }).waitFor();
  await shot(page, "guest-banner-check-inbox");
  const [mail] = (await sink.waitForTo(email, mailsBefore + 1)).slice(mailsBefore);

  // The link opens in a new tab of the same browser, as from a webmail.
  const inbox = await context.newPage();
  await followSignInLink(inbox, signInLink(mail.raw), email);
  await inbox.getByTestId("conversation-item").nth(1).waitFor({ timeout: 15000 });
  assert.deepEqual((await listed(inbox)).sort(), ["Gina via link", "Gina's order"].sort());
  assert.equal(await inbox.getByTestId("guest-banner").count(), 0);
  await inbox.getByTestId("conversation-item").filter({ hasText: "Gina's order" }).click();
  await inbox.getByTestId("message").getByText("Your refund is on its way.").waitFor();
  await shot(inbox, "guest-verified");
  assert.equal(sink.to(email).length, mailsBefore + 1);

  // The guest's own tab does not stay a guest, nor is it signed out: it starts over as the proven contact.
  await page.getByTestId("guest-banner").waitFor({ state: "detached", timeout: 15000 });
  await page.getByTestId("conversation-item").nth(1).waitFor({ timeout: 15000 });
  assert.deepEqual((await listed(page)).sort(), ["Gina via link", "Gina's order"].sort());
  assert.equal(await page.getByTestId("signin-notice").count(), 0);
  await context.close();
});

test("a guest tab whose session ended (the email was proven in another browser) says “Signed out — sign in again”, never Offline", async (t) => {
  const email = unique("otto");
  await invitedContact(email, "Otto Other", "Otto's order");
  const viaLink = await conversation("Otto via link", "Hi Otto.");

  const guest = await browser.newContext();
  const tab = await guest.newPage();
  await joinShareLink(tab, viaLink, "Otto Other", email);
  await tab.getByTestId("conversation-subject").filter({ hasText: "Otto via link" }).waitFor({ timeout: 15000 });
  await tab.getByTestId("guest-banner").waitFor();
  // Every text the connection status shows from now on.
  await tab.evaluate(() => {
    const status = document.querySelector("[data-testid=connection-status]");
    window.__statuses = [status?.textContent ?? ""];
    new MutationObserver(() => {
      const now = document.querySelector("[data-testid=connection-status]");
      if (now) window.__statuses.push(now.textContent ?? "");
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });

  const mailsBefore = sink.to(email).length;
  await tab.getByTestId("guest-banner").getByRole("button", { name: "Email me a sign-in link" }).click();
  await tab.getByTestId("check-inbox").waitFor();
  const [mail] = (await sink.waitForTo(email, mailsBefore + 1)).slice(mailsBefore);

  // The same person opens the link on another device: the guest's sessions end.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await followSignInLink(otherPage, signInLink(mail.raw), email);
  await otherPage.getByTestId("conversation-item").nth(1).waitFor({ timeout: 15000 });

  // The guest tab learns it from the stream or, failing that, from its next call (sending a message).
  const notice = tab.getByTestId("signin-notice");
  let by = "the stream";
  const told = notice.waitFor({ timeout: 20000 });
  void (async () => {
    await tab.waitForTimeout(3000);
    if (await notice.count()) return;
    by = "the next call";
    await tab.getByRole("textbox", { name: "Message" }).fill("Am I still here?", { timeout: 5000 });
    await tab.getByRole("button", { name: "Send" }).click({ timeout: 5000 });
  })().catch(() => {});
  await told;
  t.diagnostic(`the guest tab learnt it from ${by}`);
  assert.equal(await notice.innerText(), "Signed out — sign in again");
  await tab.getByRole("button", { name: "Email me a sign-in link" }).waitFor();
  const statuses = await tab.evaluate(() => window.__statuses);
  assert.ok(!statuses.some((s) => s.includes("Offline")), `status said: ${JSON.stringify(statuses)}`);
  await shot(tab, "guest-signed-out");

  // Reloading says the same (the cookie is gone for good), and lists nothing.
  await tab.reload();
  await notice.waitFor();
  assert.equal(await tab.getByTestId("conversation-item").count(), 0);
  await guest.close();
  await other.close();
});

test("a refused join page offers “Email me a sign-in link”, and the link it sends signs the contact in", async () => {
  const email = unique("lena");
  const id = await invitedContact(email, "Lena Late", "Late for the link", "Here is your quote.");
  const link = (await ana.get(`/conversations/${id}/share-link`)).body.url;
  assert.equal((await ana.post(`/conversations/${id}/share-link/rotate`)).status, 200);

  const context = await browser.newContext();
  const page = await context.newPage();
  const refused = await page.goto(link);
  assert.equal(refused.status(), 410);
  await page.getByRole("heading", { name: "This link no longer works" }).waitFor();
  const before = sink.to(email).length;
  await page.getByLabel("Your email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
  const [mail] = (await sink.waitForTo(email, before + 1)).slice(before);
  await followSignInLink(page, signInLink(mail.raw), email);
  await page.getByTestId("conversation-subject").filter({ hasText: "Late for the link" }).waitFor({ timeout: 15000 });
  await page.getByTestId("message").getByText("Here is your quote.").waitFor();
  await context.close();
});

test("asking for sign-in links too often shows how long to wait", async () => {
  const email = unique("quinn");
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/app/`);
  const input = page.locator("#link-email");
  const error = page.getByTestId("email-link-error");
  for (let i = 0; ; i++) {
    assert.ok(i < 10, "never rate-limited");
    await input.fill(email);
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    const outcome = await page.waitForFunction(() => {
      if (document.querySelector("[data-testid=check-inbox]")) return "sent";
      return document.querySelector("[data-testid=email-link-error]")?.textContent?.trim() ? "refused" : null;
    }).then((h) => h.jsonValue());
    if (outcome === "refused") break;
    await page.getByRole("button", { name: "Use another email" }).click();
  }
  assert.match(await error.innerText(), /^Too many sign-in links asked for\. Try again in \d+ (seconds?|minutes?)\.$/);
  await shot(page, "signin-rate-limited");
  await context.close();
});

test("a team member whose email and password open two teams is asked which, and lands in the one chosen", async () => {
  // A server of its own: on it, Ana's sign-in asks which team from now on.
  const own = await startServer();
  try {
    const beta = createAccount(own, "Beta Repairs", "ana@demo.convene.test", "convene-demo");
    assert.match(beta, /[0-9a-f-]{36}/);
    const page = await browser.newPage();
    await page.goto(`${own.url}/app/`);
    await page.getByRole("heading", { name: "Team members" }).waitFor();
    await page.locator("#email").fill("ana@demo.convene.test");
    await page.locator("#password").fill("convene-demo");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("group", { name: "Sign in to which team?" }).waitFor();
    assert.deepEqual(await page.getByTestId("account-choice").locator("label").allTextContents(), ["Beta Repairs", "Convene Demo"]);
    await shot(page, "signin-choose-team");
    await page.getByLabel("Beta Repairs").check();
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.locator(".account", { hasText: "Beta Repairs" }).waitFor();
    // Beta's list is its own: none of the demo account's conversations.
    assert.deepEqual(await listed(page), []);
    await page.close();
  } finally {
    own.stop();
  }
});
