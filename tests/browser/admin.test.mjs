// Team administration in the web client (issue 16): an admin on a borrowed machine signs in at
// /app/, opens Admin and manages the team with the server's verdicts — what they may not do is
// greyed out with its reason. Headless Chromium against the real server.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { api, artifacts, emailText, launchBrowser, signedInAgent, startServer, startSmtpSink } from "./harness.mjs";

let server;
let browser;
let sink;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  sink = await startSmtpSink();
  server = await startServer({ smtpUrl: sink.url });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
  sink?.close();
});

const signedIn = (email) => signedInAgent(browser, server.url, email);

const row = (page, email) => page.locator(`[data-testid=team-agent][data-email="${email}"]`);

test("an admin in the browser suspends and reactivates an agent, sees why a superadmin is out of reach, edits and deletes a crew, and reads the settings", async () => {
  // An agent sees Admin greyed out, with the reason.
  const chloe = await signedIn("chloe@demo.convene.test");
  const greyed = chloe.getByRole("button", { name: "Admin", exact: true });
  assert.equal(await greyed.isDisabled(), true);
  assert.equal(await greyed.getAttribute("title"), "Only admins and SuperAdmins manage the team");

  const page = await signedIn("ben@demo.convene.test");
  await page.getByRole("button", { name: "Admin", exact: true }).click();
  const area = page.getByRole("dialog", { name: "Admin" });
  await row(page, "femi@demo.convene.test").waitFor();
  const anaSuspend = row(page, "ana@demo.convene.test").getByRole("button", { name: "Suspend" });
  assert.equal(await anaSuspend.isDisabled(), true);
  assert.equal(await anaSuspend.getAttribute("title"), "Only SuperAdmins manage SuperAdmins");
  await page.screenshot({ path: path.join(artifacts, "web-admin-agents.png") });

  const femiApi = await api(server.url).login("femi@demo.convene.test");
  await row(page, "femi@demo.convene.test").getByRole("button", { name: "Suspend" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Suspend" }).click();
  await row(page, "femi@demo.convene.test").getByText("Suspended", { exact: true }).waitFor();
  assert.equal((await femiApi.get("/me")).status, 401, "Femi's session ended");
  await row(page, "femi@demo.convene.test").getByRole("button", { name: "Reactivate" }).click();
  await row(page, "femi@demo.convene.test").getByText("Active", { exact: true }).waitFor();
  await api(server.url).login("femi@demo.convene.test");

  // Filtering by text narrows the list as one types.
  await area.getByRole("searchbox", { name: "Search agents by name or email" }).fill("rossi");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=team-agent]").length === 1);
  assert.equal(await row(page, "eva@demo.convene.test").count(), 1);

  // Settings: an admin reads them, the form is greyed out saying why.
  await area.getByRole("tab", { name: "Settings" }).click();
  const readonly = page.getByTestId("settings-readonly");
  await readonly.waitFor();
  assert.equal(await readonly.textContent(), "Only SuperAdmins change the account's settings");
  assert.equal(await page.getByRole("button", { name: "Save settings" }).isDisabled(), true);

  // Crews: rename one, then delete it; it is gone from the list.
  await area.getByRole("tab", { name: "Crews" }).click();
  const tech = page.locator('[data-testid=team-crew][data-name="Technical Support"]');
  await tech.getByRole("button", { name: "Edit" }).click();
  const form = page.getByRole("form", { name: "Edit Technical Support" });
  await form.getByRole("textbox", { name: "Name" }).fill("Tech Support");
  await form.getByRole("button", { name: "Save" }).click();
  const renamed = page.locator('[data-testid=team-crew][data-name="Tech Support"]');
  await renamed.waitFor();
  await renamed.getByRole("button", { name: "Delete crew" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete crew" }).click();
  await renamed.waitFor({ state: "detached" });
  const crews = await (await api(server.url).login("ana@demo.convene.test")).get("/crews");
  assert.deepEqual(crews.body.crews.map((c) => c.name), ["Billing"]);

  // Esc on a confirmation closes only the confirmation.
  await area.getByRole("tab", { name: "Agents" }).click();
  await row(page, "dev@demo.convene.test").getByRole("button", { name: "Suspend" }).click();
  await page.getByRole("alertdialog").waitFor();
  await page.keyboard.press("Escape");
  await page.getByRole("alertdialog").waitFor({ state: "detached" });
  assert.equal(await area.isVisible(), true);
  await row(page, "dev@demo.convene.test").getByText("Active", { exact: true }).waitFor();

  // Esc closes the area.
  await page.keyboard.press("Escape");
  await area.waitFor({ state: "detached" });
});

test("a team member who forgot their password asks for a link on the sign-in screen and chooses a new one", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/app/`);
  await page.getByRole("heading", { name: "Team members" }).waitFor();
  await page.getByRole("button", { name: "Forgot password?" }).click();
  assert.match(await page.getByTestId("signin-error").textContent(), /Type your email above/);
  await page.locator("#email").fill("eva@demo.convene.test");
  await page.getByRole("button", { name: "Forgot password?" }).click();
  const sent = page.getByTestId("reset-sent");
  await sent.waitFor();
  assert.match(await sent.textContent(), /a link to choose a new password is on its way/);
  const [mail] = await sink.waitForTo("eva@demo.convene.test", 1);
  const link = emailText(mail.raw).split(/\s+/).find((w) => w.includes("/p/"));
  assert.ok(link, "a password link in the email");
  const reset = await context.newPage();
  await reset.goto(link);
  await reset.getByLabel("New password").fill("eva-new-password");
  await reset.getByLabel("The same again").fill("eva-new-password");
  await reset.getByRole("button", { name: "Set password" }).click();
  await reset.getByRole("heading", { name: "Your password is set" }).waitFor();
  await api(server.url).login("eva@demo.convene.test", "eva-new-password");
});
