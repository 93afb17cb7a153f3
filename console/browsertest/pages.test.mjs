// The console's other pages and flows in a real Chromium: node --test console/browsertest/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startRoster, api, tenant, user, login, browse, signIn, axeScan, operator } from "./harness.mjs";

let roster, b;

before(async () => {
  roster = await startRoster();
  await tenant(roster.base, "tight", "strict", 4); // every seat taken once all are in
  await user(roster.base, "tight", "una", "Una Used");
  await user(roster.base, "tight", "vic", "Vic Versa");
  await api(roster.base, "POST", "/v1/tenants/tight/users/vic/deactivate", operator, {});
  await user(roster.base, "tight", "wes", "Wes West");
  await user(roster.base, "tight", "mem", "Mem Ber");
  await api(roster.base, "PUT", "/v1/tenants/tight/teams/ops", operator, { name: "Ops", leader: "una" });
  for (const item of ["j1", "j2", "j3"]) {
    await api(roster.base, "PUT", `/v1/tenants/tight/work/${item}`, operator, { kind: "job", assignee: "una" });
  }
  b = await browse();
});

after(async () => {
  await b?.close();
  await roster?.stop();
});

test("a reactivation over the seats is refused inline with what to do next", async () => {
  const { page } = b;
  await signIn(page, roster.base, "tight", "boss");
  await page.goto(roster.base + "/console/tight/users/vic/confirm/reactivate");
  const refusal = page.locator('[data-code="seat_limit"]');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /buy more seats/);
});

test("signing a user out everywhere kills their API token", async () => {
  const { page } = b;
  const token = await login(roster.base, "tight", "wes");
  assert.equal((await api(roster.base, "GET", "/v1/tenants/tight/teams", token)).status, 200);
  await signIn(page, roster.base, "tight", "boss");
  await page.goto(roster.base + "/console/tight/users/wes/confirm/revoke-sessions");
  assert.match(await page.locator(".consequences").textContent(), /signed out of 1 live session/);
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await page.waitForURL(/done=/);
  assert.equal((await api(roster.base, "GET", "/v1/tenants/tight/teams", token)).status, 401);
});

test("the user as of an instant, and a deletion read as Deleted user in the timeline and the audit", async () => {
  const { page } = b;
  await signIn(page, roster.base, "tight", "boss");
  // The instant: the first whole second after vic's deactivation (UTC), read
  // from the API rather than guessed from the clock, so a slow run cannot
  // put it before vic existed. A later instant still shows them deactivated.
  const caughtUp = await api(roster.base, "PUT", "/v1/tenants/tight/teams/sync-asof", operator, { name: "Sync" });
  const vic = await api(roster.base, "GET", "/v1/tenants/tight/users/vic?min_position=" + caughtUp.body.position, operator);
  const before = new Date(Math.floor(Date.parse(vic.body.updated_at) / 1000) * 1000 + 1000).toISOString().slice(0, 19);
  await page.goto(roster.base + "/console/tight/users/vic");
  await page.getByLabel(/as of/).fill(before);
  await page.getByRole("button", { name: "Show" }).click();
  await page.locator("[data-asof]").waitFor();
  assert.match(await page.locator("[data-asof]").textContent(), /Vic Versa.*Inactive/s);

  await page.goto(roster.base + "/console/tight/users/vic/confirm/delete");
  await page.getByLabel(/Type/).fill("Vic Versa");
  await page.getByRole("button", { name: "Delete" }).click();
  await page.waitForURL(/done=/);
  const sync = await api(roster.base, "PUT", "/v1/tenants/tight/teams/sync", operator, { name: "Sync" });
  await api(roster.base, "GET", "/v1/tenants/tight/audit?min_position=" + sync.body.position, operator);
  await page.goto(roster.base + "/console/tight/users/vic");
  assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Deleted user");
  assert.ok((await page.locator(".timeline").textContent()).includes("UserDeleted"));
  await page.goto(roster.base + "/console/tight/audit?target=vic");
  const rows = await page.locator("tbody tr").allTextContents();
  assert.ok(rows.length > 0 && rows.every((r) => r.includes("Deleted user")), rows.join("\n"));
});

test("the audit downloads as CSV with its header row", async () => {
  const { page } = b;
  await signIn(page, roster.base, "tight", "boss");
  await page.goto(roster.base + "/console/tight/audit");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download as CSV" }).click()]);
  const first = readFileSync(await download.path(), "utf8").split("\n")[0];
  assert.match(first, /^"?position"?,"?at"?,"?action"?,/);
});

test("work is handed over in bulk, and teams change, through the API", async () => {
  const { page } = b;
  await signIn(page, roster.base, "tight", "boss");
  await page.goto(roster.base + "/console/tight/work?assignee=una");
  for (const item of ["j1", "j2"]) await page.getByLabel("Select " + item).check();
  await page.getByLabel("Hand the selected items to").selectOption("wes");
  await page.getByRole("button", { name: "Reassign" }).click();
  await page.waitForURL(/done=/);
  const sync = await api(roster.base, "PUT", "/v1/tenants/tight/teams/sync2", operator, { name: "Sync" });
  const wes = await api(roster.base, "GET", "/v1/tenants/tight/work?assignee=wes&min_position=" + sync.body.position, operator);
  assert.deepEqual(wes.body.items.map((i) => i.id).sort(), ["j1", "j2"]);

  await page.goto(roster.base + "/console/tight/teams");
  await page.getByLabel("Add a member").first().selectOption("mem");
  await page.getByRole("button", { name: "Add" }).first().click();
  await page.waitForURL(/done=/);
  assert.ok((await page.locator("section.team").first().textContent()).includes("Mem Ber"));
});

test("settings: the owner changes seats, a member is refused inline", async () => {
  const { page } = b;
  await signIn(page, roster.base, "tight", "boss");
  await page.goto(roster.base + "/console/tight/settings");
  await page.getByLabel("Seats purchased").fill("7");
  await page.getByRole("button", { name: "Save seats" }).click();
  await page.waitForURL(/done=/);
  assert.equal((await api(roster.base, "GET", "/v1/tenants/tight", operator)).body.seats.purchased, 7);
  await b.context.clearCookies();
  await signIn(page, roster.base, "tight", "mem");
  await page.goto(roster.base + "/console/tight/settings");
  await page.getByLabel("Seats purchased").fill("1");
  await page.getByRole("button", { name: "Save seats" }).click();
  await page.locator('[data-code="forbidden"]').waitFor();
});

test("every page passes axe-core, fits 360 px, with no console errors and nothing leaving loopback", async () => {
  const { page } = b;
  await b.context.clearCookies();
  await signIn(page, roster.base, "tight", "boss");
  for (const path of ["users", "teams", "work", "audit", "settings", "users/una"]) {
    await page.goto(`${roster.base}/console/tight/${path}`);
    assert.deepEqual(await axeScan(page), [], path);
  }
  await page.setViewportSize({ width: 360, height: 740 });
  for (const path of ["users", "users/una", "settings"]) {
    await page.goto(`${roster.base}/console/tight/${path}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${path} is ${width} px wide at 360`);
  }
  assert.deepEqual(b.errors, [], "console errors");
  assert.deepEqual(b.outside, [], "requests that left loopback");
});
