// Agents in the web client (issue 15): a team member on a borrowed machine signs in at /app/ and
// does what the desktop app does online, with the same verdicts (the server's screen is assembled
// by the Rust function the desktop core runs over its cache). Headless Chromium, the real server,
// a real SMTP sink.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { api, artifacts, joinLink, launchBrowser, signedInAgent, startServer, startSmtpSink } from "./harness.mjs";

let sink;
let server;
let browser;
let ana;
let chloe;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  sink = await startSmtpSink();
  server = await startServer({ smtpUrl: sink.url });
  browser = await launchBrowser();
  ana = await api(server.url).login("ana@demo.convene.test");
  chloe = await api(server.url).login("chloe@demo.convene.test");
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

/** A page of the web client signed in as the agent `email` (Team members form). */
const signedIn = (email) => signedInAgent(browser, server.url, email);

async function open(page, subject) {
  await page.getByTestId("conversation-item").filter({ hasText: subject }).click();
  await page.getByTestId("conversation-subject").filter({ hasText: subject }).waitFor();
}

/** The ⋯ menu of `name` in the People panel. */
async function menuOf(page, name) {
  const panel = page.getByRole("region", { name: "People" });
  await panel.getByRole("button", { name: `More actions for ${name}` }).click();
  return panel.getByRole("menu");
}

async function agentId(email) {
  const r = await ana.get(`/agents?q=${encodeURIComponent(email)}`);
  return r.body.agents.find((a) => a.email === email).id;
}

test("an owner agent in the browser sees a service request's live status, removes a user and revokes their own invite", async () => {
  const subject = `Borrowed laptop ${randomBytes(3).toString("hex")}`;
  const id = (await ana.post("/conversations", { subject })).body.id;
  // A customer who joined, and one Ana invited who has not.
  const erin = unique("erin");
  assert.equal((await ana.post(`/conversations/${id}/contact-invites`, { email: erin, name: "Erin Early" })).status, 201);
  const token = new URL(joinLink((await sink.waitForTo(erin, 1)).at(-1).raw)).pathname.split("/").pop();
  assert.equal((await api(server.url).post(`/join/${token}`, {})).status, 200);
  const frank = unique("frank");
  assert.equal((await ana.post(`/conversations/${id}/contact-invites`, { email: frank, name: "Frank Late" })).status, 201);

  const page = await signedIn("ana@demo.convene.test");
  // The list names the customer who joined (not the one still invited) and says nothing was written yet.
  const row = page.getByTestId("conversation-item").filter({ hasText: subject });
  assert.equal(await row.getByTestId("conversation-customers").textContent(), "Erin Early");
  assert.equal(await row.getByTestId("conversation-preview").textContent(), "No messages yet");
  const damaged = page.getByTestId("conversation-item").filter({ hasText: "Order #1042 arrived damaged" });
  assert.equal(await damaged.getByTestId("conversation-preview").textContent(), "Ana Lima: Sorry to hear that, Carol. Chloe will arrange a replacement.");
  await open(page, subject);

  // Request Service: Billing is called in, and the request's status follows what happens.
  await page.getByRole("button", { name: "Service", exact: true }).click();
  const service = page.getByRole("region", { name: "Service" });
  await service.getByRole("button", { name: "Talk to Billing" }).click();
  const request = service.getByTestId("service-request").filter({ hasText: "Billing" });
  await request.filter({ hasText: "Waiting for an agent" }).waitFor({ timeout: 15000 });
  const invite = await ana.get(`/conversations/${id}/participants`);
  const chloesInvite = invite.body.invites.find((i) => i.invitee_email === "chloe@demo.convene.test");
  assert.ok(chloesInvite, JSON.stringify(invite.body));
  assert.equal((await chloe.post(`/invites/${chloesInvite.id}/accept`, {})).status, 200);
  await request.filter({ hasText: "Answered by Chloe Park" }).waitFor({ timeout: 15000 });
  await shot(page, "web-agent-service-request");

  // People: Remove User on Erin (confirmed), and Revoke invite on Ana's own invite to Frank.
  await page.getByRole("button", { name: "People", exact: true }).click();
  const people = page.getByRole("region", { name: "People" });
  let menu = await menuOf(page, "Erin Early");
  await menu.getByRole("menuitem", { name: "Remove User" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Remove User" }).click();
  await people.getByTestId("person").filter({ hasText: erin }).waitFor({ state: "detached", timeout: 15000 });
  menu = await menuOf(page, "Frank Late");
  const revoke = menu.getByRole("menuitem", { name: "Revoke invite" });
  assert.equal(await revoke.isEnabled(), true);
  await revoke.click();
  await people.getByTestId("person").filter({ hasText: frank }).waitFor({ state: "detached", timeout: 15000 });
  await shot(page, "web-agent-people");

  const after = await ana.get(`/conversations/${id}/participants`);
  assert.equal(after.body.participants.find((p) => p.email === erin)?.state, "removed");
  assert.equal(after.body.invites.some((i) => i.invitee_email === frank), false, "Frank's invite is gone");
  await page.context().close();
});

test("a joined agent who sent an invite may revoke it in the browser, and not a colleague's", async () => {
  const subject = `Revoke mine ${randomBytes(3).toString("hex")}`;
  const id = (await ana.post("/conversations", { subject })).body.id;
  const invited = await ana.post(`/conversations/${id}/agent-invites`, { agent_id: await agentId("chloe@demo.convene.test") });
  assert.equal((await chloe.post(`/invites/${invited.body.invite.id}/accept`, {})).status, 200);
  const gina = unique("gina");
  assert.equal((await chloe.post(`/conversations/${id}/contact-invites`, { email: gina, name: "Gina Mine" })).status, 201);
  const hugo = unique("hugo");
  assert.equal((await ana.post(`/conversations/${id}/contact-invites`, { email: hugo, name: "Hugo Theirs" })).status, 201);

  const page = await signedIn("chloe@demo.convene.test");
  await open(page, subject);
  await page.getByRole("button", { name: "People", exact: true }).click();
  const people = page.getByRole("region", { name: "People" });
  let menu = await menuOf(page, "Hugo Theirs");
  const theirs = menu.getByRole("menuitem", { name: "Revoke invite" });
  assert.equal(await theirs.isDisabled(), true, "a colleague's invite is not hers to revoke");
  assert.match((await theirs.getAttribute("title")) ?? "", /whoever sent the invite/);
  await page.keyboard.press("Escape");
  menu = await menuOf(page, "Gina Mine");
  await menu.getByRole("menuitem", { name: "Revoke invite" }).click();
  await people.getByTestId("person").filter({ hasText: gina }).waitFor({ state: "detached", timeout: 15000 });
  const left = await ana.get(`/conversations/${id}/participants`);
  assert.deepEqual(left.body.invites.map((i) => i.invitee_email), [hugo]);
  await page.context().close();
});

test("inviting a customer who is already in, or already invited, says so under the field and sends nothing", async () => {
  const id = (await ana.post("/conversations", { subject: "Already here" })).body.id;
  const ida = unique("ida");
  assert.equal((await ana.post(`/conversations/${id}/contact-invites`, { email: ida, name: "Ida Early" })).status, 201);
  const page = await signedIn("ana@demo.convene.test");
  await open(page, "Already here");
  await page.getByRole("button", { name: "Contacts", exact: true }).click();
  const contacts = page.getByRole("region", { name: "Contacts" });
  const field = contacts.getByRole("textbox", { name: "Contact email or name" });
  await field.fill(ida);
  await contacts.getByRole("button", { name: "Add to Conversation" }).click();
  const error = contacts.getByTestId("contact-error");
  await error.filter({ hasText: "Ida Early is already invited; use Resend Invite in People" }).waitFor({ timeout: 5000 });
  assert.equal(await field.inputValue(), ida, "what was typed stays");
  assert.equal(await page.locator("#toast", { hasText: "Invite sent" }).count(), 0);
  const people = await ana.get(`/conversations/${id}/participants`);
  assert.equal(people.body.invites.filter((i) => i.invitee_email === ida).length, 1, "one invite, not two");
  await page.context().close();
});

test("an agent invited while signed in to the web client sees the invite live, joins from it, and declines another", async () => {
  const page = await signedIn("chloe@demo.convene.test");
  const chloeId = await agentId("chloe@demo.convene.test");
  const join = (await ana.post("/conversations", { subject: "Web invite to join" })).body.id;
  const skip = (await ana.post("/conversations", { subject: "Web invite to skip" })).body.id;
  assert.equal((await ana.post(`/conversations/${join}/agent-invites`, { agent_id: chloeId })).status, 201);
  assert.equal((await ana.post(`/conversations/${skip}/agent-invites`, { agent_id: chloeId })).status, 201);
  const invites = page.getByRole("region", { name: "Invites" });
  const row = (subject) => invites.getByTestId("invite").filter({ hasText: subject });
  await row("Web invite to join").waitFor({ timeout: 15000 });
  assert.match(await row("Web invite to join").innerText(), /from Ana Lima/);
  await row("Web invite to skip").getByRole("button", { name: "Decline" }).click();
  await row("Web invite to skip").waitFor({ state: "detached", timeout: 15000 });
  await row("Web invite to join").getByRole("button", { name: "Join" }).click();
  await page.getByTestId("conversation-subject").filter({ hasText: "Web invite to join" }).waitFor({ timeout: 15000 });
  const people = await ana.get(`/conversations/${join}/participants`);
  assert.equal(people.body.participants.find((p) => p.agent_id === chloeId)?.state, "joined");
  const skipped = await ana.get(`/conversations/${skip}/participants`);
  assert.equal(skipped.body.invites.some((i) => i.agent_id === chloeId), false, "declined, not pending");
  assert.notEqual(skipped.body.participants.find((p) => p.agent_id === chloeId)?.state, "joined");
  await page.context().close();
});

test("the web client and the join page fit a phone: the list, then the conversation with Send in reach, and back", async () => {
  const subject = `On a phone ${randomBytes(3).toString("hex")}`;
  const id = (await ana.post("/conversations", { subject })).body.id;
  assert.equal((await ana.post(`/conversations/${id}/messages`, { body: "Hello from the desk." })).status, 201);
  const page = await signedIn("ana@demo.convene.test");
  await shot(page, "web-client-1280");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "web-client-390-list");
  await open(page, subject);
  assert.equal(await page.getByTestId("conversation-list").isVisible(), false, "the list gives the screen to the conversation");
  const send = page.getByRole("button", { name: "Send", exact: true });
  assert.equal(await send.isVisible(), true);
  const box = await send.boundingBox();
  assert.ok(box && box.x + box.width <= 390 && box.y + box.height <= 844, `Send on screen: ${JSON.stringify(box)}`);
  await page.getByRole("button", { name: "People", exact: true }).click();
  await page.getByRole("region", { name: "People" }).waitFor();
  assert.equal(await send.isVisible(), true, "Send stays in reach with a panel open");
  await shot(page, "web-client-390-conversation");
  await page.keyboard.press("Escape");
  await page.getByRole("region", { name: "People" }).waitFor({ state: "detached" });
  await page.getByRole("button", { name: "‹ Conversations" }).click();
  await page.getByTestId("conversation-list").waitFor();
  const link = (await ana.get(`/conversations/${id}/share-link`)).body.url;
  await page.goto(link);
  await page.getByRole("button", { name: "Join conversation" }).waitFor();
  await shot(page, "join-page-390");
  await page.setViewportSize({ width: 1280, height: 800 });
  await shot(page, "join-page-1280");
  // The same screens in the system's dark scheme.
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`${server.url}/app/`);
  await open(page, subject);
  await page.getByRole("button", { name: "Service", exact: true }).click();
  await page.getByRole("region", { name: "Service" }).waitFor();
  await shot(page, "web-client-1280-dark");
  await page.context().close();
});

test("the web list counts unread messages, opening clears them for the agent everywhere, and older messages load on request", async () => {
  const subject = `Long thread ${randomBytes(3).toString("hex")}`;
  const id = (await ana.post("/conversations", { subject })).body.id;
  const invite = await ana.post(`/conversations/${id}/agent-invites`, { agent_id: await agentId("chloe@demo.convene.test") });
  await chloe.post(`/invites/${invite.body.invite.id}/accept`, {});
  for (let i = 0; i < 60; i++) await chloe.post(`/conversations/${id}/messages`, { body: `Update ${i}` });
  // Something newer elsewhere, so the window opens that one first, not this.
  const other = (await ana.post("/conversations", { subject: `Newer ${randomBytes(3).toString("hex")}` })).body.id;
  await ana.post(`/conversations/${other}/messages`, { body: "Newest" });

  const page = await signedIn("ana@demo.convene.test");
  const row = page.getByTestId("conversation-item").filter({ hasText: subject });
  assert.equal(await row.getByTestId("unread-count").textContent(), "60");
  await open(page, subject);
  await row.getByTestId("unread-count").waitFor({ state: "detached" });
  const home = await ana.get("/home");
  assert.equal(home.body.conversations.find((e) => e.conversation.id === id).conversation.unread, 0, "read on the server");
  // The newest page, then the older ones on request.
  assert.equal(await page.getByTestId("message").count(), 50);
  await page.getByTestId("older-messages").click();
  await page.getByTestId("message").getByText("Update 0", { exact: true }).waitFor();
  assert.equal(await page.getByTestId("message").count(), 60);
  assert.equal(await page.getByTestId("older-messages").count(), 0);
  // Muting is the agent's own.
  await page.getByTestId("mute-toggle").click();
  await page.locator("[data-testid=mute-toggle][aria-pressed=true]").waitFor();
  const after = await ana.get("/home");
  assert.equal(after.body.conversations.find((e) => e.conversation.id === id).conversation.muted, true);
  const chloeHome = await chloe.get("/home");
  assert.equal(chloeHome.body.conversations.find((e) => e.conversation.id === id).conversation.muted, false);
  await page.close();
});
