import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { processStart } from "../local/localState";
import { CliProcess } from "./support/cliProcess";
import { projectCopy } from "./support/projectCopy";
import { sh } from "./support/spawn";

// Issue 18: Ctrl-C during the rebuild that follows a source edit left dist/.build.lock, and
// the next command waited 30 s in silence. The lock now names its builder (pid and start
// time): a builder that is gone is taken over at once, a live one is waited for, saying so.
// In a copy of the project: the tests running beside these (mocha's workers) use this
// checkout's dist/, which these tests make stale and lock on purpose.

let PROJECT = "";
let LOCK = "";
let STAMP = "";
const PATTERN_TEST = "node cli/bin.js pattern test --pattern examples/premium-filter.json --event examples/shipped-order.json --dialect pipes";
// As if a source had been edited since the last build: the next command rebuilds first.
const staleBuild = () => fs.writeFileSync(STAMP, `${JSON.stringify({ version: 1, files: {} })}\n`);

describe("the build lock (cli/build.js), as a process", function () {
  this.timeout(120000);
  afterEach(async () => {
    fs.rmSync(LOCK, { force: true });
    await sh("node cli/build.js", { cwd: PROJECT }); // leave dist/ built
  });
  before(async () => {
    PROJECT = projectCopy("orders-build-lock-", { linkModules: true });
    LOCK = path.join(PROJECT, "dist", ".build.lock");
    STAMP = path.join(PROJECT, "dist", ".build.json");
    await sh("node cli/build.js", { cwd: PROJECT });
  });
  after(() => fs.rmSync(PROJECT, { recursive: true, force: true }));

  it("Ctrl-C during the rebuild after a source edit: the next command takes the lock over at once and answers", async () => {
    let leftBehind = false;
    for (let attempt = 0; attempt < 20 && !leftBehind; attempt++) {
      fs.rmSync(LOCK, { force: true });
      staleBuild();
      const child = spawn(process.execPath, ["cli/bin.js", "pattern", "test", "--pattern", "examples/premium-filter.json", "--event", "examples/shipped-order.json"], { cwd: PROJECT, stdio: "ignore" });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      // Ctrl-C as soon as the build holds the lock.
      while (child.exitCode === null && !fs.existsSync(LOCK)) await new Promise((r) => setImmediate(r));
      child.kill("SIGINT");
      await exited;
      leftBehind = fs.existsSync(LOCK);
    }
    assert.ok(leftBehind, "a Ctrl-C during the build leaves the lock behind (the case under test)");
    // Before: 30 s of silence, then the answer. The bound is loose; waiting is what is tested.
    const r = await sh(PATTERN_TEST, { timeoutMs: 25000, cwd: PROJECT });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "match\n");
    assert.equal(r.stderr, "", "no waiting: the lock's builder is gone");
    assert.ok(!fs.existsSync(LOCK));
  });

  it("a lock whose pid now belongs to another process (another start time) is taken over at once", async () => {
    staleBuild();
    fs.writeFileSync(LOCK, `${process.pid} 1\n`); // this process is alive, but did not start at tick 1
    const r = await sh(PATTERN_TEST, { timeoutMs: 25000, cwd: PROJECT });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
  });

  it("a live builder is waited for, and the wait is said on stderr; its end lets the command go on at once", async () => {
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      await new Promise((r) => holder.once("spawn", r));
      fs.writeFileSync(LOCK, `${holder.pid} ${processStart(holder.pid as number) ?? ""}\n`);
      staleBuild();
      const cmd = new CliProcess(["pattern", "test", "--pattern", "examples/premium-filter.json", "--event", "examples/shipped-order.json", "--dialect", "pipes"], process.env, PROJECT);
      await cmd.waitFor(new RegExp(`orders-pipeline: waiting for the build of pid ${holder.pid} to finish \\(dist/\\.build\\.lock\\)`), 20000);
      holder.kill("SIGKILL");
      const { code } = await cmd.exit(20000);
      assert.equal(code, 0, cmd.output);
      assert.equal(cmd.stdout, "match\n");
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
