// The admin console in a real Chromium: node --test console/browsertest/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startRoster, api, tenant, user, login, browse, signIn, axeScan, operator } from "./harness.mjs";

// Screenshots go to a scratch folder, so that a test run leaves the clone as
// it found it; `make screenshots` points CONSOLE_SCREENSHOTS at docs/console.
const shots = process.env.CONSOLE_SCREENSHOTS ? resolve(process.env.CONSOLE_SCREENSHOTS) : join(tmpdir(), "roster-console-screenshots");
let roster, b;

before(async () => {
  roster = await startRoster();
  await tenant(roster.base, "acme", "strict", 6, { deactivate_leaves_teams: true });
  await user(roster.base, "acme", "ann", "Ann Agent");
  await user(roster.base, "acme", "olga", "Olga Lead", "manager");
  await user(roster.base, "acme", "carl", "Carl Clerk");
  await user(roster.base, "acme", "dora", "Dora Desk", "member", { kind: "customer" });
  await api(roster.base, "PUT", "/v1/tenants/acme/teams/support", operator, { name: "Support", leader: "ann" });
  for (const item of ["c1", "c2"]) {
    await api(roster.base, "PUT", `/v1/tenants/acme/work/${item}`, operator, { kind: "conversation", assignee: "ann" });
  }
  await login(roster.base, "acme", "ann"); // a live session for the deactivation to end
  await tenant(roster.base, "globex");
  b = await browse();
});

after(async () => {
  await b?.close();
  await roster?.stop();
});

// A read of the JSON API that waits for the read models (min_position of
// the tenant's last write).
async function caughtUp(path, token = operator) {
  const last = await api(roster.base, "PUT", "/v1/tenants/acme/teams/sync", operator, { name: "Sync" });
  const sep = path.includes("?") ? "&" : "?";
  return api(roster.base, "GET", path + sep + "min_position=" + last.body.position, token);
}

test("sign-in, the Users page and sign-out", async () => {
  const { page } = b;
  await signIn(page, roster.base, "acme", "boss");
  await assert.doesNotReject(page.getByRole("heading", { name: "Users of ACME Inc" }).waitFor());
  const cookies = await b.context.cookies();
  const session = cookies.find((c) => c.name === "roster_console");
  assert.ok(session, "a session cookie");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL("**/console/login**");
  assert.ok(!(await b.context.cookies()).some((c) => c.name === "roster_console" && c.value), "the cookie is gone");
  await page.goto(roster.base + "/console/acme/users");
  await page.waitForURL("**/console/login**");
});

test("tab counts equal the API's, search and filters stay in the URL", async () => {
  const { page } = b;
  await signIn(page, roster.base, "acme", "boss");
  for (const status of ["active", "inactive", "blocked", "invited"]) {
    const r = await caughtUp(`/v1/tenants/acme/users?status=${status}&limit=1`);
    await page.goto(roster.base + "/console/acme/users");
    const shown = await page.locator(`[data-count="${status}"]`).textContent();
    assert.equal(Number(shown), r.body.total, `${status} tab`);
  }
  await page.getByLabel("Search name or e-mail").fill("olga");
  await page.getByLabel("Role").selectOption("manager");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL(/q=olga/);
  assert.match(page.url(), /role=manager/);
  const rows = await page.locator("tbody tr[data-user]").evaluateAll((rs) => rs.map((r) => r.dataset.user));
  assert.deepEqual(rows, ["olga"]);
});

test("deactivation by keyboard: preview, confirm, the row moves to Inactive, faded, and the timeline shows it", async () => {
  const { page } = b;
  await signIn(page, roster.base, "acme", "boss");
  const button = page.getByRole("button", { name: "Actions for Ann Agent" });
  await button.focus();
  await page.keyboard.press("Enter");
  const menu = page.getByRole("menu", { name: "Actions for ann" });
  await menu.waitFor();
  // Focus lands on the first item; arrows move through them.
  for (let i = 0; i < 10; i++) {
    const focused = await page.evaluate(() => document.activeElement?.dataset.action);
    if (focused === "deactivate") break;
    await page.keyboard.press("ArrowDown");
  }
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), "deactivate");
  await page.keyboard.press("Enter");
  const dialog = page.locator("dialog[open]");
  await dialog.waitFor();
  const said = await dialog.locator(".consequences li").allTextContents();
  assert.ok(said.some((s) => /Ann Agent is signed out of 1 live session\./.test(s)), said.join(" | "));
  assert.ok(said.some((s) => /seat is freed/.test(s)), said.join(" | "));
  assert.ok(said.some((s) => /Ann Agent leaves team support/.test(s)), said.join(" | "));
  await dialog.getByLabel("Hand their work to").selectOption("olga");
  await dialog.getByRole("button", { name: "Deactivate" }).press("Enter");
  await page.waitForURL(/done=/);
  await page.getByRole("link", { name: /^Inactive/ }).click();
  const row = page.locator("tr[data-user=ann]");
  await row.waitFor();
  assert.match(await row.getAttribute("class"), /faded/);
  await page.getByRole("link", { name: "Ann Agent" }).click();
  await page.getByRole("heading", { name: "History" }).waitFor();
  await caughtUp("/v1/tenants/acme/audit?target=ann");
  await page.reload();
  assert.ok((await page.locator(".timeline").textContent()).includes("UserDeactivated"));
});

test("a refusal of the policy shows inline with what to do next", async () => {
  const { page } = b;
  await signIn(page, roster.base, "acme", "boss");
  await page.goto(roster.base + "/console/acme/users/boss/confirm/deactivate");
  const refusal = page.locator('[data-code="sole_owner"]');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /another active user an owner/);
});

test("blocking a user kills their API token", async () => {
  const { page } = b;
  const token = await login(roster.base, "acme", "carl");
  assert.equal((await api(roster.base, "GET", "/v1/tenants/acme/users/carl", token)).status, 200);
  await signIn(page, roster.base, "acme", "boss");
  await page.goto(roster.base + "/console/acme/users/carl/confirm/block");
  await page.getByRole("button", { name: "Block" }).click();
  await page.waitForURL(/done=/);
  assert.equal((await api(roster.base, "GET", "/v1/tenants/acme/users/carl", token)).status, 401);
});

test("the console answers only a signed-in user of its tenant", async () => {
  const { page } = b;
  // A cookie of another tenant is refused.
  const globex = await login(roster.base, "globex", "boss").catch(() => null);
  assert.ok(globex);
  await b.context.clearCookies();
  const url = new URL(roster.base);
  await b.context.addCookies([{ name: "roster_console", value: globex, domain: url.hostname, path: "/console/", httpOnly: true, sameSite: "Strict" }]);
  await page.goto(roster.base + "/console/acme/users");
  await page.waitForURL("**/console/login**");
});

test("a dialog closed with Escape returns focus to the control that opened it", async () => {
  const { page } = b;
  await signIn(page, roster.base, "acme", "boss");
  const button = page.getByRole("button", { name: "Actions for Olga Lead" });
  await button.focus();
  await page.keyboard.press("Enter");
  await page.getByRole("menu").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("role")), "menuitem", "focus in the menu");
  await page.keyboard.press("Escape");
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Actions for Olga Lead", "focus back on the ⋯ button");
  await page.keyboard.press("Enter");
  await page.getByRole("menuitem", { name: "Block" }).focus();
  await page.keyboard.press("Enter");
  await page.locator("dialog[open]").waitFor();
  await page.keyboard.press("Escape");
  await page.locator("dialog[open]").waitFor({ state: "detached" }).catch(() => {});
  assert.equal(await page.locator("dialog[open]").count(), 0, "the dialog is closed");
  // The dialog's close event, which returns focus, is dispatched as a task
  // after the Escape: wait for it (with a deadline) before looking.
  await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Actions for Olga Lead", null, { timeout: 5000 })
    .catch(() => {});
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Actions for Olga Lead", "focus back after the dialog");
});

test("the bulk bar previews the action on the selected users, then carries it out", async () => {
  const { page } = b;
  await signIn(page, roster.base, "acme", "boss");
  await page.getByLabel("Select Olga Lead").check();
  await page.getByLabel("Select Dora Desk").check();
  await page.getByLabel("With the selected users").selectOption("revoke-sessions");
  await page.getByRole("button", { name: "Review…" }).click();
  await page.getByRole("heading", { name: /Review: Revoke-sessions 2 users/ }).waitFor();
  assert.equal(await page.locator("table.results tbody tr").count(), 2);
  await page.getByRole("button", { name: /them$/ }).click();
  await page.getByRole("heading", { name: /Done: / }).waitFor();
  assert.equal(await page.locator("table.results tbody tr").count(), 2);
});

test("every page and dialog passes axe-core; no console errors; nothing leaves loopback", async () => {
  const { page } = b;
  await signIn(page, roster.base, "acme", "boss");
  mkdirSync(shots, { recursive: true });
  for (const [name, path] of [["login", "/console/login"], ["users", "/console/acme/users"], ["user", "/console/acme/users/olga"],
    ["confirm", "/console/acme/users/olga/confirm/deactivate"]]) {
    if (name === "login") await b.context.clearCookies();
    await page.goto(roster.base + path);
    if (name === "login") await signIn(page, roster.base, "acme", "boss").then(() => page.goto(roster.base + path));
    const violations = await axeScan(page);
    assert.deepEqual(violations, [], `${name}: ${violations.join("\n")}`);
  }
  await page.goto(roster.base + "/console/acme/users");
  await page.screenshot({ path: join(shots, "users.png"), fullPage: true });
  await page.getByRole("button", { name: "Actions for Olga Lead" }).click();
  await page.getByRole("menuitem", { name: "Deactivate" }).click();
  await page.locator("dialog[open]").waitFor();
  assert.deepEqual(await axeScan(page), [], "the open dialog");
  await page.screenshot({ path: join(shots, "deactivate-dialog.png") });
  await page.goto(roster.base + "/console/acme/users/ann");
  await page.screenshot({ path: join(shots, "timeline.png"), fullPage: true });
  assert.deepEqual(b.errors, [], "console errors");
  assert.deepEqual(b.outside, [], "requests that left loopback");
});
