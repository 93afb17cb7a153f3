// The browser tests' harness: a private `roster serve` (on its own embedded
// PostgreSQL, in a temporary data folder), the JSON API to set tenants up,
// and Debian's Chromium driven by playwright-core, with every request that
// would leave loopback refused and counted, and every console error kept.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { chromium } from "playwright-core";

const repo = resolve(import.meta.dirname, "../..");
export const operator = "op-" + randomBytes(16).toString("hex");

// startRoster runs the service and resolves with its base URL once it serves.
export async function startRoster() {
  const dir = mkdtempSync(join(tmpdir(), "roster-console-"));
  const child = spawn(join(repo, ".roster/bin/roster"), ["serve"], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? dir, ROSTER_DATA_DIR: join(dir, ".roster"),
      ROSTER_HTTP_ADDR: "127.0.0.1:0", ROSTER_OPERATOR_TOKEN: operator, ROSTER_LOG_FORMAT: "json" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const base = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("roster serve did not start in 60 s:\n" + output)), 60_000);
    const read = (chunk) => {
      output += chunk;
      const m = output.match(/"msg":"roster is serving","url":"(http:\/\/[^"]+)"/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`roster serve exited (${code}):\n${output}`)); });
  });
  return {
    base,
    async stop() {
      const exited = new Promise((ok) => child.once("exit", ok));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// api calls the JSON API; it resolves with the status and the parsed body.
export async function api(base, method, path, token, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { Authorization: "Bearer " + token } : {}), ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: json, text };
}

export const password = (id) => "a pass phrase of " + id;

// tenant creates a tenant whose owner "boss" signs in with password("boss").
export async function tenant(base, id, preset = "strict", seats = 10, policy) {
  const body = { id, name: id.toUpperCase() + " Inc", preset, seats,
    owner: { id: "boss", email: `boss@${id}.example`, name: "Bea Boss", password: password("boss") } };
  if (policy) body.policy = policy;
  const r = await api(base, "POST", "/v1/tenants", operator, body);
  if (r.status !== 201) throw new Error(`create ${id}: ${r.status} ${r.text}`);
  return r.body;
}

// user invites (and activates) a user as the operator.
export async function user(base, t, id, name, role = "member", extra = {}) {
  const r = await api(base, "POST", `/v1/tenants/${t}/users`, operator,
    { id, email: `${id}@${t}.example`, name, role, password: password(id), activate: true, ...extra });
  if (r.status !== 201) throw new Error(`invite ${id}: ${r.status} ${r.text}`);
  return r.body;
}

// login signs a user in through the API and returns the token.
export async function login(base, t, id) {
  const r = await api(base, "POST", `/v1/tenants/${t}/sessions`, "", { email: `${id}@${t}.example`, password: password(id) });
  if (r.status !== 201) throw new Error(`login ${id}: ${r.status} ${r.text}`);
  return r.body.token;
}

// browse launches Chromium and opens a page that refuses (and records)
// every request leaving loopback and records every console error.
export async function browse() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-default-apps"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const outside = [];
  const errors = [];
  await context.route("**/*", (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === "127.0.0.1" || host === "localhost") return route.continue();
    outside.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  return { browser, context, page, outside, errors, async close() { await browser.close(); } };
}

// signIn signs in through the console's form.
export async function signIn(page, base, t, id) {
  await page.goto(base + "/console/login");
  await page.getByLabel("Organisation id").fill(t);
  await page.getByLabel("E-mail").fill(`${id}@${t}.example`);
  await page.getByLabel("Password").fill(password(id));
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`**/console/${t}/users**`);
}

// axeScan runs axe-core on the page and returns its serious and critical
// violations.
export async function axeScan(page) {
  const source = readFileSync(join(repo, "console/node_modules/axe-core/axe.min.js"), "utf8");
  await page.evaluate(source); // through DevTools: the page's CSP keeps inline scripts out
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join("; ")})`);
}
