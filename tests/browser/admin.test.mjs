// Team administration in the web client (issue 16): an admin on a borrowed machine signs in at
// /app/, opens Admin and manages the team with the server's verdicts — what they may not do is
// greyed out with its reason. Headless Chromium against the real server.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
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

test("an admin reads the audit log in the browser, pages older entries, filters by a person picked in a row, and downloads the filtered log as CSV and JSON", async () => {
  const ben = await api(server.url).login("ben@demo.convene.test");
  // More than a page (50) of entries: a crew renamed again and again.
  const crew = await ben.post("/crews", { name: "Night shift", call_to_action: "Call the night shift", customer_requestable: false });
  assert.equal(crew.status, 201, JSON.stringify(crew.body));
  for (let i = 1; i <= 50; i++) assert.equal((await ben.patch(`/crews/${crew.body.id}`, { name: `Night shift ${i}` })).status, 200);
  const femi = (await ben.get("/team/agents?q=femi")).body.agents[0].agent;
  assert.equal((await ben.post(`/agents/${femi.id}/suspend`)).status, 200);
  assert.equal((await ben.post(`/agents/${femi.id}/reactivate`)).status, 200);
  const page = await signedIn("ben@demo.convene.test");
  await page.getByRole("button", { name: "Admin", exact: true }).click();
  const area = page.getByRole("dialog", { name: "Admin" });
  await area.getByRole("tab", { name: "Audit log" }).click();
  const rows = page.getByTestId("audit-entry");
  await rows.first().waitFor();

  // The first page is the API's first page; "Load older" appends the next one.
  const first = await ben.get("/team/audit");
  assert.equal(first.status, 200);
  assert.equal(await rows.count(), first.body.entries.length);
  assert.ok(first.body.next, "the demo's log spans more than one page");
  const second = await ben.get(`/team/audit?before=${encodeURIComponent(first.body.next)}`);
  await area.getByRole("button", { name: "Load older" }).click();
  await page.waitForFunction((n) => document.querySelectorAll("[data-testid=audit-entry]").length === n, first.body.entries.length + second.body.entries.length);
  await page.screenshot({ path: path.join(artifacts, "web-admin-audit.png") });

  // Clicking Femi's name in his suspension's row narrows the log to him.
  await page.locator(`[data-testid=audit-entry][data-kind=agent_suspended] button:text-is("${femi.name}")`).first().click();
  await page.getByTestId("audit-person-filter").waitFor();
  const his = (await ben.get(`/team/audit?person=${femi.id}`)).body.entries;
  assert.ok(his.some((e) => e.kind === "agent_suspended") && his.some((e) => e.kind === "agent_reactivated"), JSON.stringify(his));
  await page.waitForFunction((n) => document.querySelectorAll("[data-testid=audit-entry]").length === n, his.length);

  // Both downloads hold exactly what the API answers for the same filter.
  const [csvDownload] = await Promise.all([page.waitForEvent("download"), area.getByRole("button", { name: "Export CSV" }).click()]);
  assert.match(csvDownload.suggestedFilename(), /^convene-audit-\d{8}-\d{6}\.csv$/);
  const csv = readFileSync(await csvDownload.path(), "utf8").trim().split(/\r?\n/);
  assert.match(csv[0], /^id,at,kind,/);
  assert.deepEqual(csv.slice(1).map((line) => line.split(",")[0]), his.map((e) => e.id));
  const [jsonDownload] = await Promise.all([page.waitForEvent("download"), area.getByRole("button", { name: "Export JSON" }).click()]);
  const exported = JSON.parse(readFileSync(await jsonDownload.path(), "utf8"));
  assert.deepEqual(exported, his);
  assert.match(await page.locator("#toast").textContent(), /^Audit log saved: convene-audit-.*\.json$/);

  // An agent is refused the log itself, not only the screen.
  const chloe = await api(server.url).login("chloe@demo.convene.test");
  assert.equal((await chloe.get("/team/audit")).status, 403);
});

test("an agent changes their password in the browser: a wrong current one is named, the new one signs in, other devices are signed out and this page stays", async () => {
  const elsewhere = await api(server.url).login("dev@demo.convene.test");
  const page = await signedIn("dev@demo.convene.test");
  await page.getByRole("button", { name: "Change password" }).click();
  const dialog = page.getByRole("dialog", { name: "Change password" });
  await dialog.getByLabel("Current password").fill("not-my-password");
  await dialog.getByLabel("New password", { exact: true }).fill("dev-chose-this");
  await dialog.getByLabel("The same again").fill("dev-chose-this");
  await dialog.getByRole("button", { name: "Change password" }).click();
  assert.equal(await dialog.getByRole("alert").textContent(), "The current password is not right");
  assert.equal((await elsewhere.get("/me")).status, 200, "a refused change ends nothing");

  await dialog.getByLabel("Current password").fill("convene-demo");
  await dialog.getByRole("button", { name: "Change password" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.match(await page.locator("#toast").textContent(), /Password changed/);
  assert.equal((await elsewhere.get("/me")).status, 401, "the other device is signed out");
  await page.getByRole("button", { name: "Change password" }).waitFor();
  assert.equal(await page.getByTestId("connection-status").textContent(), "Online", "this page stays signed in");
  await assert.rejects(api(server.url).login("dev@demo.convene.test"), /login/);
  await api(server.url).login("dev@demo.convene.test", "dev-chose-this");
});
