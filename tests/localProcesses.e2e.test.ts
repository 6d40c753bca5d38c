import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { LOCAL_STATE_DIR, type LocalState } from "../local/localState";
import { cliProcesses, descendants, javaOnPort, killJava, waitForNoJava } from "./support/cliProcess";
import { PROJECT, sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// Issue 18, "Processes": `local` and the processes it starts, killed, stopped and cut off as
// a hostile but ordinary user would, each spawned as the README spells it. Waits are on output
// markers and on /proc, never on sleeps.

const STATE = path.join(LOCAL_STATE_DIR, "dev.json");
const READY = /AWS_ENDPOINT_URL_DYNAMODB=http:\/\/127\.0\.0\.1:(\d+)/;
const WATCHING = /dead letters: /;
const BUNDLES = path.join(PROJECT, "node_modules", ".cache", "orders-local");
const SETPRIV = spawnSync("setpriv", ["--pdeathsig", "KILL", "--", "true"], { stdio: "ignore" }).status === 0;

const commandLine = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
};
/** The watchdog: the node process running local/dynamoWatchdog.js (not unshare or sh, whose command lines name it too). */
const watchdogOf = (runner: number) => descendants(runner).find((pid) => /(^|\/)node$/.test(commandLine(pid)[0]) && commandLine(pid)[1]?.endsWith("dynamoWatchdog.js"));
const bundlesOf = (pid: number) => (fs.existsSync(BUNDLES) ? fs.readdirSync(BUNDLES).filter((f) => f.includes(`-${pid}-`)) : []);

describe("local: its processes killed, stopped, cut off (process level)", function () {
  this.timeout(240000);
  const run = cliProcesses();
  const ports: number[] = [];
  afterEach(async () => {
    for (const port of ports.splice(0)) killJava(port);
    fs.rmSync(STATE, { force: true });
  });

  it("stopped with Ctrl-Z: dlq --local says so within its timeout instead of waiting forever; then kill -9 of the watchdog: the JVM dies with it, and the run says so and stops", async () => {
    const watch = run(["local", "--stack", "dev", "--watch"]);
    const [, port] = await watch.waitFor(READY);
    ports.push(Number(port));
    await watch.waitFor(WATCHING);

    process.kill(watch.pid, "SIGSTOP");
    try {
      const list = run(["dlq", "list", "--stack", "dev", "--local"]);
      const { code } = await list.exit(60000); // the request timeout is 10 s
      assert.equal(code, 2, list.output);
      assert.equal(list.stderr, `orders-pipeline: the local stack dev (pid ${watch.pid}) is stopped (Ctrl-Z?) and does not answer: resume it (\`fg\` in its terminal, or \`kill -CONT ${watch.pid}\`)\n`);
    } finally {
      process.kill(watch.pid, "SIGCONT");
    }

    const watchdog = watchdogOf(watch.pid);
    assert.ok(watchdog, "the watchdog runs");
    assert.equal(javaOnPort(Number(port)).length, 1);
    process.kill(watchdog, "SIGKILL");
    await waitForNoJava(Number(port), 30000);
    const { code } = await watch.exit();
    assert.equal(code, 1, watch.output);
    assert.match(watch.stderr, /orders-pipeline: DynamoDB Local stopped under the local stack dev: its (watchdog (was killed \(SIGKILL\)|is gone), and the JVM with it|JVM was killed \(SIGKILL\)); the stack cannot go on without it: stopping\n/);
    assert.match(watch.stdout, /report \(stack dev\)/);
    assert.ok(!fs.existsSync(STATE), "the state file no longer says ready: it is gone");
  });

  it("the JVM killed under --watch: the run says so, stops with exit 1 and removes its state file (it does not keep running, saying ready)", async () => {
    const watch = run(["local", "--stack", "dev", "--watch"]);
    const [, port] = await watch.waitFor(READY);
    ports.push(Number(port));
    await watch.waitFor(WATCHING);
    assert.equal((JSON.parse(fs.readFileSync(STATE, "utf8")) as LocalState).status, "ready");
    const [jvm] = javaOnPort(Number(port));
    process.kill(jvm, "SIGKILL");
    const { code } = await watch.exit();
    assert.equal(code, 1, watch.output);
    assert.match(watch.stderr, /orders-pipeline: DynamoDB Local stopped under the local stack dev: its JVM was killed \(SIGKILL\); the stack cannot go on without it: stopping\n/);
    assert.ok(!fs.existsSync(STATE));
    const dlq = await sh("node cli/bin.js dlq list --stack dev --local");
    assert.equal(dlq.code, 2);
    assert.match(dlq.stderr, /no local stack dev is running: start one/);
  });

  it("kill -9 of the command and of the watchdog at once: the JVM still dies; the killed run's handler bundles are removed by the next run", async () => {
    const watch = run(["local", "--stack", "dev", "--watch"]);
    const [, port] = await watch.waitFor(READY);
    ports.push(Number(port));
    await watch.waitFor(WATCHING);
    assert.equal(bundlesOf(watch.pid).length, 2, "one bundle per processor while it runs");
    const watchdog = watchdogOf(watch.pid) as number;
    process.kill(watch.pid, "SIGKILL");
    process.kill(watchdog, "SIGKILL");
    await watch.exit();
    await waitForNoJava(Number(port), 30000);
    assert.equal(bundlesOf(watch.pid).length, 2, "a killed run cannot remove its bundles");

    // Where the system refuses the namespace (here: an unshare that fails as Ubuntu 24.04's
    // AppArmor policy makes it fail), the run goes on without it, says it is exposed, and the
    // JVM dies with its watchdog through its parent-death signal.
    const fake = tempDir("orders-unshare-");
    fs.writeFileSync(path.join(fake, "unshare"), "#!/bin/sh\necho 'unshare: write failed /proc/self/uid_map: Operation not permitted' >&2\nexit 1\n", { mode: 0o755 });
    const exposed = run(["local", "--stack", "dev", "--watch"], { ...process.env, PATH: `${fake}:${process.env.PATH}` });
    const [, port2] = await exposed.waitFor(READY);
    ports.push(Number(port2));
    await exposed.waitFor(WATCHING);
    assert.deepEqual(bundlesOf(watch.pid), [], "the next run removed the killed run's bundles");
    assert.equal(
      exposed.stderr,
      `orders-pipeline: warning: DynamoDB Local listens on every network interface of this machine (port ${port2}), not only 127.0.0.1: ` +
        "this system does not let an unprivileged process isolate it (unshare: write failed /proc/self/uid_map: Operation not permitted). Whoever can reach this machine can read and write the local table.\n",
    );
    if (SETPRIV) {
      process.kill(watchdogOf(exposed.pid) as number, "SIGKILL");
      await waitForNoJava(Number(port2), 30000);
      assert.equal((await exposed.exit()).code, 1, exposed.output);
    } else {
      exposed.signal("SIGINT");
      assert.equal((await exposed.exit()).code, 0, exposed.output);
    }
    assert.deepEqual(bundlesOf(exposed.pid), [], "a run that ends removes its own bundles");
    fs.rmSync(fake, { recursive: true, force: true });
  });

  it("`local ... | head -1`: the closed output stops the run (exit 141, not 0 'as expected'), the report of what ran is still written, nothing keeps running", async () => {
    const dir = tempDir("orders-head-");
    const story = path.join(dir, "story.json");
    fs.writeFileSync(story, JSON.stringify({ name: "cut off", steps: [{ put: { orderId: "o-1", orderStatus: "pending", orderAmount: 250, customerEmail: "a@example.com" } }], expect: { NormalOrdersPipe: { processed: 1 } } }));
    const report = path.join(dir, "report.json");
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    ports.push(port);
    const r = await sh(`(node cli/bin.js local --stack dev --scenario ${story} --report-json ${report} --dynamodb-port ${port}; echo "exit $?" >&2) | head -1`, { timeoutMs: 150000 });
    assert.equal(r.stdout, 'orders-pipeline local: stack dev, scenario "cut off"\n');
    assert.equal(r.stderr, "exit 141\n");
    assert.equal(JSON.parse(fs.readFileSync(report, "utf8")).scenario, "cut off");
    assert.deepEqual(javaOnPort(port), []);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
