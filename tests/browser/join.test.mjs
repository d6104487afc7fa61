// Contacts in the browser: the join page and the contact web client, in headless Chromium against
// a real server and SMTP sink.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { api, artifacts, joinLink, launchBrowser, startServer, startSmtpSink } from "./harness.mjs";

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

async function conversation(subject) {
  const r = await ana.post("/conversations", { subject });
  assert.equal(r.status, 201);
  return r.body.id;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

test("an emailed contact joins in the browser, reads the agent's message, and the reply reaches the agent's stream", async () => {
  const id = await conversation("Browser join by email");
  await ana.post(`/conversations/${id}/messages`, { body: "Hello from Ana — how can we help?" });
  const before = sink.messages.length;
  const invited = await ana.post(`/conversations/${id}/contact-invites`, { email: "pia@example.com", name: "Pia Park" });
  assert.equal(invited.status, 201);
  const [mail] = (await sink.waitFor(before + 1)).slice(before);
  const link = joinLink(mail.raw);
  assert.ok(link.startsWith(server.url), link);

  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(link);
  assert.equal(response.status(), 200);
  assert.equal(response.headers()["referrer-policy"], "no-referrer");
  assert.match(response.headers()["content-security-policy"] ?? "", /default-src 'none'/);
  await page.getByText("Ana Lima invited Pia Park").waitFor();
  await shot(page, "join-page");
  await page.getByRole("button", { name: "Join conversation" }).click();

  await page.getByTestId("conversation-subject").filter({ hasText: "Browser join by email" }).waitFor({ timeout: 15000 });
  await page.getByTestId("message").getByText("Hello from Ana — how can we help?").waitFor();
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "convene_session");
  assert.ok(session, "a session cookie");
  assert.equal(session.httpOnly, true);
  assert.equal(session.secure, true);
  assert.equal(session.sameSite, "Strict");

  const stream = await ana.stream();
  await page.getByRole("textbox", { name: "Message" }).fill("Thanks Ana, the lid is cracked.");
  await page.getByRole("button", { name: "Send" }).click();
  await stream.waitFor((f) => f.type === "changed" && f.conversation_id === id);
  const messages = await ana.get(`/conversations/${id}/messages`);
  // Newest first, as the server pages them.
  assert.deepEqual(
    messages.body.messages.map((m) => [m.author_name, m.body]),
    [
      ["Pia Park", "Thanks Ana, the lid is cracked."],
      ["Ana Lima", "Hello from Ana — how can we help?"],
    ],
  );
  await page.getByTestId("message").getByText("Thanks Ana, the lid is cracked.").waitFor();
  // Agent messages appear without a reload.
  await ana.post(`/conversations/${id}/messages`, { body: "A replacement is on its way." });
  await page.getByTestId("message").getByText("A replacement is on its way.").waitFor({ timeout: 10000 });
  await shot(page, "contact-conversation");
  stream.close();
  await context.close();
});

test("a stranger joins with the Shareable Link; after rotation the old URL gets the refusal page", async () => {
  const id = await conversation("Browser share link");
  const link = (await ana.get(`/conversations/${id}/share-link`)).body.url;

  const first = await browser.newContext();
  const page = await first.newPage();
  await page.goto(link);
  await page.getByLabel("Your name").fill("Sam Stranger");
  await page.getByLabel("Your email").fill("sam@example.com");
  await shot(page, "share-link-form");
  await page.getByRole("button", { name: "Join conversation" }).click();
  await page.getByTestId("conversation-subject").filter({ hasText: "Browser share link" }).waitFor({ timeout: 15000 });
  await first.close();

  const rotated = await ana.post(`/conversations/${id}/share-link/rotate`);
  assert.equal(rotated.status, 200);
  const second = await browser.newContext();
  const late = await second.newPage();
  const response = await late.goto(link);
  assert.equal(response.status(), 410);
  await late.getByText("This link no longer works").waitFor();
  assert.equal(await late.getByRole("button", { name: "Join conversation" }).count(), 0);
  await shot(late, "refused-old-link");
  await second.close();
});

test("a removed contact's open page stops showing the conversation within seconds", async () => {
  const id = await conversation("Browser removal");
  const link = (await ana.get(`/conversations/${id}/share-link`)).body.url;
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await page.getByLabel("Your name").fill("Rita Removed");
  await page.getByLabel("Your email").fill("rita@example.com");
  await page.getByRole("button", { name: "Join conversation" }).click();
  const subject = page.getByTestId("conversation-subject").filter({ hasText: "Browser removal" });
  await subject.waitFor({ timeout: 15000 });

  const people = await ana.get(`/conversations/${id}/participants`);
  const rita = people.body.participants.find((p) => p.email === "rita@example.com");
  assert.equal((await ana.delete(`/conversations/${id}/participants/${rita.id}`)).status, 204);
  await subject.waitFor({ state: "detached", timeout: 5000 });
  await shot(page, "removed-contact");
  await context.close();
});

test("opening a join link with a plain GET, as a mail scanner would, joins nobody", async () => {
  const id = await conversation("Mail scanner");
  const before = sink.messages.length;
  await ana.post(`/conversations/${id}/contact-invites`, { email: "scan@example.com" });
  const [mail] = (await sink.waitFor(before + 1)).slice(before);
  const r = await fetch(joinLink(mail.raw));
  assert.equal(r.status, 200);
  const people = await ana.get(`/conversations/${id}/participants`);
  assert.equal(people.body.participants.some((p) => p.email === "scan@example.com"), false);
  assert.equal(people.body.invites.length, 1);
});
