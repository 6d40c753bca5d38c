import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import * as path from "node:path";
import { Interrupts } from "../local/interrupts";
import { lookupState, StackAlreadyRunning, StateClaim, stateFileOf } from "../local/localState";
import { tempDir } from "./support/tempDir";

// One owner per local stack, stale files of dead owners, and Ctrl-C twice.

/** The pid of a process that has exited (to stand for an owner killed with -9). */
function deadPid(): number {
  const out = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(out.stdout);
}

describe("local stack state file", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir("orders-state-")));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is claimed by one process; a second claim while the owner lives is refused, naming the owner", () => {
    const claim = StateClaim.claim("dev", dir);
    try {
      claim.ready({ dynamodbEndpoint: "http://127.0.0.1:8000", sqsEndpoint: "http://127.0.0.1:9000", tableName: "Orders", streamArn: "arn:x", redriveLog: path.join(dir, "dev.redrives.jsonl") });
      assert.throws(
        () => StateClaim.claim("dev", dir),
        (err: Error) => err instanceof StackAlreadyRunning && new RegExp(`^local stack dev is already running \\(pid ${process.pid}, DynamoDB Local at http://127\\.0\\.0\\.1:8000, since .+\\): stop it first`).test(err.message),
      );
      const found = lookupState("dev", dir);
      assert.equal(found.kind, "running");
      assert.equal(found.kind === "running" && found.state.tableName, "Orders");
      assert.doesNotThrow(() => StateClaim.claim("prod", dir).release(), "another stack is independent");
    } finally {
      claim.release();
    }
    assert.ok(!fs.existsSync(stateFileOf("dev", dir)), "released: removed");
  });

  it("a file whose owner died is stale: lookups remove it, and a new claim takes over", () => {
    const pid = deadPid();
    fs.writeFileSync(stateFileOf("dev", dir), JSON.stringify({ stack: "dev", pid, startedAt: "2026-11-25T10:00:00.000Z", status: "ready" }));
    const found = lookupState("dev", dir);
    assert.deepEqual({ kind: found.kind, pid: found.kind === "stale" && found.state.pid }, { kind: "stale", pid });
    assert.ok(!fs.existsSync(stateFileOf("dev", dir)));

    fs.writeFileSync(stateFileOf("dev", dir), JSON.stringify({ stack: "dev", pid, startedAt: "x", status: "ready" }));
    const claim = StateClaim.claim("dev", dir);
    assert.equal(JSON.parse(fs.readFileSync(stateFileOf("dev", dir), "utf8")).pid, process.pid);
    claim.release();
  });

  it("a live process that merely got the dead owner's pid does not count as the owner", function () {
    if (!fs.existsSync("/proc/self/stat")) this.skip();
    fs.writeFileSync(stateFileOf("dev", dir), JSON.stringify({ stack: "dev", pid: process.pid, pidStartedAt: "1", startedAt: "x", status: "ready" }));
    assert.equal(lookupState("dev", dir).kind, "stale");
  });

  it("a half-written file (its writer died mid-write) counts as stale", () => {
    fs.writeFileSync(stateFileOf("dev", dir), '{"stack": "dev", "pi');
    assert.equal(lookupState("dev", dir).kind, "stale");
  });

  it("release leaves a file that another process has taken since", () => {
    const claim = StateClaim.claim("dev", dir);
    const other = { stack: "dev", pid: process.ppid, startedAt: "x", status: "starting" };
    fs.writeFileSync(stateFileOf("dev", dir), JSON.stringify(other));
    claim.release();
    assert.equal(JSON.parse(fs.readFileSync(stateFileOf("dev", dir), "utf8")).pid, process.ppid);
  });

  it("of three processes claiming at the same moment, exactly one gets the stack", async () => {
    // The CLI's build of the sources (cli/build.js), built here first: three processes each
    // compiling the TypeScript at start would spend seconds before the race this test is about.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../cli/build").ensureBuilt();
    const script = `
      const { StateClaim } = require(${JSON.stringify(path.join(__dirname, "..", "dist", "local", "localState.js"))});
      try { StateClaim.claim("dev", ${JSON.stringify(dir)}); console.log("claimed"); }
      catch (e) { console.log(e.constructor.name); }
      // Alive (the claim held) until the test has every answer: under load the processes start
      // seconds apart, and a claimant that exited would leave a stale claim to the next one.
      process.stdin.on("end", () => process.exit(0)).resume();`;
    const children = [0, 1, 2].map(() => spawn(process.execPath, ["-e", script], { cwd: path.join(__dirname, "..") }));
    try {
      const runs = await Promise.all(
        children.map(
          (child) =>
            new Promise<string>((resolve) => {
              let out = "";
              child.stdout.on("data", (d: Buffer) => {
                out += d;
                if (out.includes("\n")) resolve(out.trim());
              });
              child.on("exit", () => resolve(out.trim()));
            }),
        ),
      );
      assert.deepEqual(runs.sort(), ["StackAlreadyRunning", "StackAlreadyRunning", "claimed"]);
    } finally {
      for (const child of children) child.stdin.end();
    }
  });
});

describe("Ctrl-C (interrupts)", () => {
  const signals = () => new EventEmitter() as EventEmitter & { on(s: string, l: () => void): unknown; off(s: string, l: () => void): unknown };

  it("the first Ctrl-C asks for an orderly stop; the second exits at once with 130", () => {
    const source = signals();
    const calls: string[] = [];
    const interrupts = new Interrupts({ onFirst: (s) => calls.push(`first ${s}`), exitNow: (code) => calls.push(`exit ${code}`) }, source).install();
    assert.equal(interrupts.signal.aborted, false);
    source.emit("SIGINT");
    assert.equal(interrupts.signal.aborted, true);
    assert.equal(interrupts.exitCode, 130);
    source.emit("SIGINT");
    assert.deepEqual(calls, ["first SIGINT", "exit 130"]);
    interrupts.uninstall();
    assert.equal(source.listenerCount("SIGINT"), 0);
  });

  const codes: [NodeJS.Signals, number][] = [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ];
  for (const [signal, code] of codes) {
    it(`${signal} counts as Ctrl-C: exit code ${code}`, () => {
      const source = signals();
      const exits: number[] = [];
      const interrupts = new Interrupts({ onFirst: () => undefined, exitNow: (c) => exits.push(c) }, source).install();
      source.emit(signal);
      assert.equal(interrupts.exitCode, code);
      source.emit(signal);
      assert.deepEqual(exits, [code]);
      interrupts.uninstall();
    });
  }
});
