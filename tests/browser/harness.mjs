// Real parts for the browser tests: the convene-server binary on a free loopback port, an SMTP sink
// on loopback that keeps what it receives, a small API client, and Debian's Chromium.

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, openSync, existsSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import WebSocket from "ws";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "../..");
export const artifacts = path.join(repo, "target", "browser-artifacts");

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/** A real SMTP server on loopback: accepts every message and keeps it. */
export async function startSmtpSink() {
  const messages = [];
  const waiters = [];
  const server = net.createServer((socket) => {
    let buffer = "";
    let inData = false;
    let data = "";
    const rcpt = [];
    socket.write("220 convene-test-sink ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let i;
      while ((i = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            messages.push({ rcpt: [...rcpt], raw: data });
            data = "";
            rcpt.length = 0;
            socket.write("250 OK queued\r\n");
            waiters.splice(0).forEach((w) => w());
          } else {
            data += (line.startsWith("..") ? line.slice(1) : line) + "\r\n";
          }
          continue;
        }
        const upper = line.toUpperCase();
        if (upper.startsWith("EHLO")) socket.write("250-convene-test-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
        else if (upper.startsWith("RCPT TO:")) {
          rcpt.push(line.slice(8).trim());
          socket.write("250 OK\r\n");
        } else if (upper === "DATA") {
          inData = true;
          socket.write("354 go ahead\r\n");
        } else if (upper === "QUIT") {
          socket.end("221 bye\r\n");
        } else socket.write("250 OK\r\n");
      }
    });
    socket.on("error", () => {});
  });
  const port = await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(n, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} emails, got ${messages.length}`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return messages;
    },
    /** The messages addressed to `email`. */
    to(email) {
      const want = `<${email.toLowerCase()}>`;
      return messages.filter((m) => m.rcpt.some((r) => r.toLowerCase() === want));
    },
    /** Waits until `n` messages addressed to `email` arrived; answers them. */
    async waitForTo(email, n, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      while (this.to(email).length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} emails to ${email}, got ${this.to(email).length}`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return this.to(email);
    },
    close: () => server.close(),
  };
}

/** The text/plain part of an email, decoded (quoted-printable or base64). */
export function emailText(raw) {
  const parts = raw.split(/\r\n--[^\r\n]+\r\n/);
  const part = parts.find((p) => /content-type:\s*text\/plain/i.test(p)) ?? raw;
  const [head, ...rest] = part.split("\r\n\r\n");
  let body = rest.join("\r\n\r\n");
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    body = Buffer.from(
      body.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))),
      "latin1",
    ).toString("utf8");
  } else if (/content-transfer-encoding:\s*base64/i.test(head)) {
    body = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  }
  return body;
}

/** The join link in an email. */
export function joinLink(raw) {
  const m = emailText(raw).match(/https?:\/\/\S+\/j\/[A-Za-z0-9_-]+/);
  if (!m) throw new Error(`no join link in: ${emailText(raw)}`);
  return m[0];
}

/** The sign-in link (`/s/{token}`) in an email. */
export function signInLink(raw) {
  const m = emailText(raw).match(/https?:\/\/\S+\/s\/[A-Za-z0-9_-]+/);
  if (!m) throw new Error(`no sign-in link in: ${emailText(raw)}`);
  return m[0];
}

/** The real convene-server binary with the demo account (`CONVENE_SERVER_BIN` picks another build). */
export async function startServer({ smtpUrl } = {}) {
  const bin = process.env.CONVENE_SERVER_BIN ?? path.join(repo, "target", "debug", "convene-server");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: cargo xtask test builds it`);
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "convene-browser-"));
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(path.join(dir, "server.log"), "w");
  const env = { ...process.env, CONVENE_UI_DIR: process.env.CONVENE_UI_DIR ?? path.join(repo, "ui", "dist") };
  if (smtpUrl) env.SMTP_URL = smtpUrl;
  const child = spawn(bin, ["serve", "--demo", "--data-dir", path.join(dir, "data"), "--listen", `127.0.0.1:${port}`, "--public-url", url], {
    env,
    stdio: ["ignore", log, log],
  });
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`server did not start; log in ${dir}/server.log`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, dir, stop: () => child.kill("SIGKILL") };
}

/** A second account on `server`, made with `convene-server account create` (its superadmin is `email`). */
export function createAccount(server, name, email, password) {
  const bin = process.env.CONVENE_SERVER_BIN ?? path.join(repo, "target", "debug", "convene-server");
  return execFileSync(bin, ["account", "create", "--name", name, "--admin-email", email, "--admin-name", name], {
    env: { ...process.env, CONVENE_DATA_DIR: path.join(server.dir, "data"), CONVENE_ADMIN_PASSWORD: password },
  })
    .toString()
    .trim();
}

/** A small client of the API. */
export function api(base, token = null) {
  const call = async (method, p, body) => {
    const headers = { accept: "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const r = await fetch(`${base}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return {
    token,
    get: (p) => call("GET", p),
    post: (p, b = {}) => call("POST", p, b),
    patch: (p, b = {}) => call("PATCH", p, b),
    delete: (p) => call("DELETE", p),
    async login(email, password = "convene-demo") {
      const r = await call("POST", "/auth/login", { email, password });
      if (r.status !== 200) throw new Error(`login ${email}: ${JSON.stringify(r.body)}`);
      return api(base, r.body.token);
    },
    /** The realtime stream; resolves once the hello frame arrived. */
    stream() {
      return new Promise((resolve, reject) => {
        const frames = [];
        const waiters = [];
        const ws = new WebSocket(`${base.replace("http", "ws")}/api/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
        ws.on("message", (data) => {
          const frame = JSON.parse(data.toString());
          frames.push(frame);
          waiters.splice(0).forEach((w) => w());
          if (frame.type === "hello") {
            resolve({
              frames,
              async waitFor(pred, timeoutMs = 15000) {
                const deadline = Date.now() + timeoutMs;
                for (;;) {
                  const found = frames.find(pred);
                  if (found) return found;
                  if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(frames)}`);
                  await new Promise((r) => {
                    waiters.push(r);
                    setTimeout(r, 200);
                  });
                }
              },
              close: () => ws.close(),
            });
          }
        });
        ws.on("error", reject);
      });
    },
  };
}

/** Debian's Chromium, headless, with the flags this machine needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** A page of the web client signed in as the agent `email` (the Team members form). */
export async function signedInAgent(browser, serverUrl, email, password = "convene-demo") {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${serverUrl}/app/`);
  await page.getByRole("heading", { name: "Team members" }).waitFor();
  await page.locator("#email").fill(email);
  await page.locator("#password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByTestId("me-name").waitFor();
  return page;
}
