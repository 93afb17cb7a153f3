// The console embeds htmx from its static folder: the file must be the
// pinned package's own (console/package.json, installed by npm ci from the
// committed lockfile), byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const consoleDir = resolve(import.meta.dirname, "..");

test("the vendored htmx is the pinned package's htmx.min.js", () => {
  const pinned = JSON.parse(readFileSync(resolve(consoleDir, "package.json"), "utf8")).devDependencies["htmx.org"];
  const installed = JSON.parse(readFileSync(resolve(consoleDir, "node_modules/htmx.org/package.json"), "utf8")).version;
  assert.match(pinned, /^\d+\.\d+\.\d+$/, "an exact version, not a range");
  assert.equal(installed, pinned);
  const vendored = readFileSync(resolve(consoleDir, "static/htmx.min.js"));
  const published = readFileSync(resolve(consoleDir, "node_modules/htmx.org/dist/htmx.min.js"));
  assert.ok(vendored.equals(published), "console/static/htmx.min.js differs from htmx.org@" + pinned);
});
