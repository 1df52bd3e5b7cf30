// Publishing: the workflows parse and do what the README says; the offline archive, unpacked
// anywhere, opens from disk with every widget working.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const YAML = require("yaml");
const { launch, openWatched } = require("./helpers.js");

const ROOT = path.resolve(__dirname, "../..");

function workflow(name) {
  const doc = YAML.parseDocument(fs.readFileSync(path.join(ROOT, ".github/workflows", name), "utf8"));
  assert.deepEqual(doc.errors, [], `${name} parses`);
  return doc.toJS();
}

test("the CI workflow runs the README's test command on pull requests", () => {
  const ci = workflow("ci.yml");
  assert.ok("pull_request" in ci.on);
  const steps = Object.values(ci.jobs).flatMap((j) => j.steps);
  const runs = steps.map((s) => s.run || "").join("\n");
  assert.match(runs, /tests\/run-all\.sh/);
  assert.ok(fs.readFileSync(path.join(ROOT, "README.md"), "utf8").includes("tests/run-all.sh"));
  assert.ok(fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8").includes("tests/run-all.sh"));
});

test("every pull request gets a summary of the numbers it moves, with no write permission", () => {
  const ci = workflow("ci.yml");
  const job = ci.jobs.numbers;
  assert.ok(job, "a `numbers` job");
  assert.match(job.if, /pull_request/);
  assert.deepEqual(job.permissions, { contents: "read" });
  const checkout = job.steps.find((s) => (s.uses || "").startsWith("actions/checkout@"));
  assert.equal(checkout.with["fetch-depth"], 0, "the base branch is there to compare with");
  const run = job.steps.map((s) => s.run || "").join("\n");
  assert.match(run, /cargo run --release -- diff --base "origin\/\$\{\{ github\.base_ref \}\}" --format markdown >> "\$GITHUB_STEP_SUMMARY"/);
});

test("the Pages workflow builds in-process and deploys with the official actions", () => {
  const pages = workflow("pages.yml");
  const steps = Object.values(pages.jobs).flatMap((j) => j.steps);
  const uses = steps.map((s) => s.uses || "");
  assert.ok(steps.some((s) => /cargo run --release -- build/.test(s.run || "")));
  for (const action of ["actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"]) {
    assert.ok(uses.some((u) => u.startsWith(action + "@")), action);
  }
  assert.equal(pages.permissions.pages, "write");
  assert.equal(pages.permissions["id-token"], "write");
});

test("the offline archive opens from disk anywhere with every widget working", async (t) => {
  const archive = process.env.ARCHIVE || path.join(ROOT, "target/attention-book.tar.gz");
  assert.ok(fs.existsSync(archive), `${archive} exists (tests/run-all.sh makes it)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offline-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  execFileSync("tar", ["-xzf", archive, "-C", dir]);
  const [top] = fs.readdirSync(dir);
  const browser = await launch();
  try {
    const context = await browser.newContext();
    const { page, problems } = await openWatched(context, "file://" + path.join(dir, top, "experiment.html"));
    await page.waitForTimeout(100);
    const [count, alive] = await page.$$eval(".attention-widget", (ws) => [ws.length, ws.filter((w) => w.attentionWidget).length]);
    assert.ok(count > 0);
    assert.equal(alive, count);
    const slider = await page.$(".attention-widget input[data-kind='q'][data-dim='0']");
    await slider.evaluate((s) => { s.value = "1"; s.dispatchEvent(new Event("input", { bubbles: true })); });
    assert.equal(await page.$eval(".attention-widget output[data-b='q f 0']", (e) => e.textContent), "1.00");
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
