// Removed people (issue 12, part 2), in headless Chromium against the real server and a real SMTP
// sink: a contact the agent removed loses the conversation, cannot walk back in through its
// Shareable Link (the page says so and names whom to ask), is listed under "Removed" in the People
// panel, cannot be added back by another contact (the server's refusal is what the page shows, and
// no email goes out), and is back in once an agent invites them again.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
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

const unique = (name) => `${name}-${randomBytes(4).toString("hex")}@example.com`;

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

/** The agent invites `email` by email; answers the join link of the email that arrived. */
async function inviteByEmail(id, email, name) {
  const sent = sink.to(email).length;
  const r = await ana.post(`/conversations/${id}/contact-invites`, { email, name });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const mails = await sink.waitForTo(email, sent + 1);
  return joinLink(mails.at(-1).raw);
}

/** Opens an emailed join link in `page`, presses "Join conversation", waits for the conversation. */
async function joinFromEmail(page, link, subject) {
  const response = await page.goto(link);
  assert.equal(response.status(), 200);
  await page.getByRole("button", { name: "Join conversation" }).click();
  const shown = page.getByTestId("conversation-subject").filter({ hasText: subject });
  await shown.waitFor({ timeout: 15000 });
  return shown;
}

test("a removed contact cannot come back through the Shareable Link nor by a contact's invite; an agent's invite brings them back", async () => {
  const subject = "Removed stays out";
  const created = await ana.post("/conversations", { subject });
  assert.equal(created.status, 201);
  const id = created.body.id;
  assert.equal((await ana.post(`/conversations/${id}/messages`, { body: "Hello all, Ana here." })).status, 201);
  const owner = (await ana.get("/me")).body.name;
  assert.ok(owner, "the agent has a name");
  const shareLink = (await ana.get(`/conversations/${id}/share-link`)).body.url;

  const erin = unique("erin");
  const carol = unique("carol");
  const guest = unique("gus");

  // Erin joins from her email in E.
  const E = await browser.newContext();
  const erinPage = await E.newPage();
  const erinSubject = await joinFromEmail(erinPage, await inviteByEmail(id, erin, "Erin Early"), subject);

  // A guest joins through the Shareable Link in G, with an email nobody has proven.
  const G = await browser.newContext();
  const guestPage = await G.newPage();
  await guestPage.goto(shareLink);
  await guestPage.getByLabel("Your name").fill("Gus Guest");
  await guestPage.getByLabel("Your email").fill(guest);
  await guestPage.getByRole("button", { name: "Join conversation" }).click();
  await guestPage.getByTestId("conversation-subject").filter({ hasText: subject }).waitFor({ timeout: 15000 });

  // Carol joins from her email in C.
  const C = await browser.newContext();
  const carolPage = await C.newPage();
  await joinFromEmail(carolPage, await inviteByEmail(id, carol, "Carol Contact"), subject);

  // The agent removes Erin: her open page loses the conversation.
  const people = await ana.get(`/conversations/${id}/participants`);
  const erinRow = people.body.participants.find((p) => p.email === erin);
  assert.ok(erinRow, JSON.stringify(people.body));
  assert.equal((await ana.delete(`/conversations/${id}/participants/${erinRow.id}`)).status, 204);
  await erinSubject.waitFor({ state: "detached", timeout: 10000 });

  // Erin tries the Shareable Link in a fresh browser: refused, told whom to ask, offered a sign-in link.
  const fresh = await browser.newContext();
  const again = await fresh.newPage();
  assert.equal((await again.goto(shareLink)).status(), 200);
  await again.getByLabel("Your name").fill("Erin Early");
  await again.getByLabel("Your email").fill(erin);
  const [answer] = await Promise.all([
    again.waitForResponse((r) => r.request().method() === "POST" && r.url() === shareLink),
    again.getByRole("button", { name: "Join conversation" }).click(),
  ]);
  assert.equal(answer.status(), 410);
  await again.getByRole("heading", { name: "This link no longer works" }).waitFor();
  const refusal = await again.locator("main").innerText();
  assert.match(refusal, /You were removed from this conversation, so its link does not let you back in/);
  assert.ok(refusal.includes(`Ask ${owner} to invite you again`), refusal);
  assert.equal(await again.getByRole("button", { name: "Email me a sign-in link" }).count(), 1);
  assert.equal(await again.getByRole("button", { name: "Join conversation" }).count(), 0);
  assert.equal((await fresh.cookies()).some((c) => c.name === "convene_session"), false, "no session for the refused");
  await shot(again, "removed-refused-link");
  await fresh.close();
  const stillOut = await ana.get(`/conversations/${id}/participants`);
  assert.equal(stillOut.body.participants.find((p) => p.email === erin)?.state, "removed");

  // Carol's People panel: Erin under "Removed", the guest marked "email not verified".
  await carolPage.getByRole("button", { name: "People", exact: true }).click();
  const panel = carolPage.getByRole("region", { name: "People" });
  const removedErin = panel.getByTestId("removed-person").filter({ hasText: erin });
  await removedErin.waitFor({ timeout: 10000 });
  assert.match(await removedErin.innerText(), /Removed — only an agent can invite them back/);
  await panel.getByRole("heading", { name: "Removed" }).waitFor();
  assert.equal(await panel.getByTestId("person").filter({ hasText: erin }).count(), 0, "Erin is not listed as joined");
  const guestRow = panel.getByTestId("person").filter({ hasText: guest });
  await guestRow.waitFor();
  assert.equal(await guestRow.getByTestId("unverified").count(), 1, "the guest carries the badge");
  assert.equal(await guestRow.getByTestId("unverified").innerText(), "email not verified");
  assert.equal(await panel.getByTestId("person").filter({ hasText: carol }).getByTestId("unverified").count(), 0, "Carol proved her email");
  await shot(carolPage, "removed-people-panel");

  // Carol tries to add Erin back: the server refuses, the page shows its words, no email goes out.
  const erinMails = sink.to(erin).length;
  await carolPage.getByRole("button", { name: "Contacts", exact: true }).click();
  const contacts = carolPage.getByRole("region", { name: "Contacts" });
  await contacts.getByRole("textbox", { name: "Contact email or name" }).fill(erin);
  const add = contacts.getByRole("button", { name: "Add to Conversation" });
  assert.equal(await add.isEnabled(), true, "the server decides, not the page");
  const [refused] = await Promise.all([
    carolPage.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith(`/conversations/${id}/contact-invites`)),
    add.click(),
  ]);
  assert.equal(refused.status(), 403);
  const detail = (await refused.json()).detail;
  assert.match(detail, /only an agent can invite them back/);
  await carolPage.locator("#toast.error", { hasText: detail }).waitFor({ timeout: 5000 });
  assert.equal(await carolPage.getByText(/Invite sent to/).count(), 0);
  assert.equal(
    await contacts.getByRole("textbox", { name: "Contact email or name" }).inputValue(),
    erin,
    "a refused invite keeps what was typed",
  );
  await shot(carolPage, "removed-contact-invite-refused");
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(sink.to(erin).length, erinMails, "no email to Erin from Carol's attempt");
  const afterCarol = await ana.get(`/conversations/${id}/participants`);
  assert.equal(afterCarol.body.participants.find((p) => p.email === erin)?.state, "removed");
  assert.equal(afterCarol.body.invites.some((i) => i.invitee_email === erin), false, "no invite for Erin");

  // The agent invites Erin again: one email, and following it brings her back in her browser.
  await carolPage.getByRole("button", { name: "People", exact: true }).click();
  await removedErin.waitFor();
  const back = await inviteByEmail(id, erin, "Erin Early");
  assert.equal(sink.to(erin).length, erinMails + 1, "exactly the agent's email");
  await joinFromEmail(erinPage, back, subject);
  await erinPage.getByTestId("message").getByText("Hello all, Ana here.").waitFor();

  // Carol's open People panel follows (the stream): Erin is joined again, no longer removed.
  await removedErin.waitFor({ state: "detached", timeout: 10000 });
  await panel.getByTestId("person").filter({ hasText: erin }).waitFor({ timeout: 10000 });
  assert.equal(await panel.getByRole("heading", { name: "Removed" }).count(), 0);
  // And after a reload too.
  await carolPage.reload();
  await carolPage.getByTestId("conversation-subject").filter({ hasText: subject }).waitFor({ timeout: 15000 });
  await carolPage.getByRole("button", { name: "People", exact: true }).click();
  await panel.getByTestId("person").filter({ hasText: erin }).waitFor({ timeout: 10000 });
  assert.equal(await panel.getByTestId("removed-person").count(), 0);
  await shot(carolPage, "removed-invited-back");

  await E.close();
  await G.close();
  await C.close();
});
