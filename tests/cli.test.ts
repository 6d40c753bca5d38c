import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { HELP } from "../cli/help";
import { inserted, modified, record } from "./support/records";
import { runCli } from "./support/io";
import { tempDir } from "./support/tempDir";

describe("orders-pipeline pattern test", () => {
  const dir = tempDir("orders-cli-");
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const event = file("event.json", '{"detail": {"amount": 300.0, "ip": "10.0.0.7"}}');

  it("prints match and exits 0", async () => {
    const r = await runCli(["pattern", "test", "--pattern", file("p1.json", '{"detail": {"amount": [300]}}'), "--event", event]);
    assert.deepEqual([r.code, r.stdout], [0, "match\n"]);
  });

  it("prints no match and exits 1", async () => {
    const r = await runCli(["pattern", "test", "--pattern", file("p2.json", '{"detail": {"amount": [301]}}'), "--event", event]);
    assert.deepEqual([r.code, r.stdout], [1, "no match\n"]);
  });

  it("prints invalid with the reason and exits 2", async () => {
    const r = await runCli(["pattern", "test", "--pattern", file("p3.json", '{"detail": {"amount": 300}}'), "--event", event]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^invalid: pattern: detail\.amount: a field must be an array/);
  });

  it("--dialect pipes refuses what pipes refuse", async () => {
    const p = file("p4.json", '{"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}');
    assert.equal((await runCli(["pattern", "test", "--pattern", p, "--event", event])).code, 0);
    const r = await runCli(["pattern", "test", "--pattern", p, "--event", event, "--dialect", "pipes"]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /"cidr" is accepted on an event bus but not by EventBridge Pipes/);
  });

  it("names a missing file and a bad dialect", async () => {
    const r = await runCli(["pattern", "test", "--pattern", path.join(dir, "nope.json"), "--event", event]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--pattern .*nope\.json: no such file/);
    const d = await runCli(["pattern", "test", "--pattern", event, "--event", event, "--dialect", "bus"]);
    assert.match(d.stderr, /--dialect is "bus"; expected pipes or eventbus/);
  });

  it("--jsonl answers one line per input line, in order", async () => {
    const lines = [
      { pattern: '{"a": [300]}', event: '{"a": 300.0}' },
      { pattern: '{"a": [1]}', event: '{"a": 2}' },
      { pattern: '{"a": [{"wildcard": "x*"}]}', event: '{"a": "xy"}' },
      { pattern: '{"a": [', event: "{}" },
    ].map((l) => JSON.stringify(l));
    const r = await runCli(["pattern", "test", "--jsonl"], `${lines.join("\n")}\nnot json\n`);
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(out.length, 5);
    assert.deepEqual(out.slice(0, 3), [{ result: "match" }, { result: "no-match" }, { result: "match" }]);
    assert.equal(out[3].result, "invalid");
    assert.match(out[3].message, /not valid JSON/);
    assert.deepEqual(out[4], { result: "invalid", message: out[4].message });
    assert.match(out[4].message, /line 5 is not JSON/);
    const pipes = await runCli(["pattern", "test", "--jsonl", "--dialect", "pipes"], `${lines[2]}\n`);
    assert.equal(JSON.parse(pipes.stdout).result, "invalid");
  });
});

describe("orders-pipeline route", () => {
  it("--jsonl gives each route's outcome per record, with reasons", async () => {
    const input = [
      inserted({ amount: "250" }, "e-1"),
      modified("pending", { amount: "1500" }, "e-2"),
      inserted({ amount: "100" }, "e-3"),
      inserted({ amount: { S: "x" } }, "e-4"),
      record({ eventID: "e-5", eventName: "REMOVE" }),
    ]
      .map((r) => JSON.stringify(r))
      .join("\n");
    const r = await runCli(["route", "--stack", "dev", "--jsonl"], `${input}\n{broken\n`);
    assert.equal(r.code, 2, "a bad line makes the exit code 2");
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(out[0], { eventID: "e-1", routes: { normal: "processed", premium: "filtered" } });
    assert.deepEqual(out[1], { eventID: "e-2", routes: { normal: "processed", premium: "processed" } });
    assert.deepEqual(out[2].routes, { normal: "skipped", premium: "filtered" });
    assert.match(out[2].reasons.normal[0], /not above 100/);
    assert.deepEqual(out[3].routes, { normal: "rejected", premium: "filtered" });
    assert.match(out[3].reasons.normal[0], /orderAmount is a string/);
    assert.deepEqual(out[4], { eventID: "e-5", routes: { normal: "filtered", premium: "filtered" } });
    assert.match(out[5].error, /line 6 is not JSON/);
  });

  it("names an unknown stack", async () => {
    const r = await runCli(["route", "--stack", "staging", "--jsonl"], "");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no stack "staging": Pulumi\.staging\.yaml does not exist/);
  });

  it("explain prints each requirement, where it is enforced, and the deployed pattern", async () => {
    const r = await runCli(["route", "explain", "--stack", "dev"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /normal route \(stack dev\)/);
    assert.match(r.stdout, /Amount +dynamodb\.NewImage\.orderAmount\.N +processor guard +> 100/);
    assert.match(r.stdout, /Exclude test customers .*processor guard/);
    assert.match(r.stdout, /Status change +dynamodb\.OldImage\.orderStatus\.S +pipe filter +pending/);
    assert.ok(r.stdout.includes('{"dynamodb":{"NewImage":{"orderStatus":{"S":["pending","shipped"]}}}}'));
  });

  it("an unknown command prints usage and exits 2", async () => {
    const r = await runCli(["deploy"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "deploy"[\s\S]*usage: orders-pipeline/);
  });
});

describe("orders-pipeline help", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version: string };

  for (const name of Object.keys(HELP)) {
    it(`${name} --help, -h and help ${name}: usage, every option, an example, the exit statuses`, async () => {
      const words = name.split(" ");
      const [long, short, viaHelp] = await Promise.all([runCli([...words, "--help"]), runCli([...words, "-h"]), runCli(["help", ...words])]);
      for (const r of [long, short, viaHelp]) assert.deepEqual({ code: r.code, stderr: r.stderr, stdout: r.stdout }, { code: 0, stderr: "", stdout: long.stdout });
      const text = long.stdout;
      assert.ok(text.startsWith(`usage: orders-pipeline ${name}`), text);
      for (const option of Object.keys(HELP[name].options)) assert.match(text, new RegExp(`\\n  --${option}\\b`), `--${option} is documented`);
      assert.match(text, /\n  -h, --help +this help\n/);
      assert.match(text, /\nexample:\n  npx orders-pipeline \S/);
      assert.match(text, /\nexit status:\n  0 /);
    });
  }

  it("--help after other options, and before a subcommand's options, still helps (and runs nothing)", async () => {
    const r = await runCli(["cost", "--stack", "nosuchstack", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: orders-pipeline cost /);
    assert.equal((await runCli(["dlq", "redrive", "--local", "-h"])).stdout, (await runCli(["help", "dlq", "redrive"])).stdout);
  });

  it("--version prints the package's version", async () => {
    assert.deepEqual(await runCli(["--version"]), { code: 0, stdout: `orders-pipeline ${pkg.version}\n`, stderr: "" });
  });

  it("help for no such command names it", async () => {
    const r = await runCli(["help", "deploy"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^orders-pipeline: help: no command "deploy"; expected one of local, pattern, pattern test, route/);
  });

  it("a wrong option prints that command's usage and where its help is, not every command's", async () => {
    const r = await runCli(["cost", "--bogus"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^orders-pipeline: Unknown option '--bogus'.*\nusage:\n  orders-pipeline cost \[--stack NAME\] .*\nRun `orders-pipeline cost --help` for its options, an example and its exit statuses\.\n$/s);
    assert.doesNotMatch(r.stderr, /pattern test/);
  });

  it("--config must be KEY=VALUE", async () => {
    const r = await runCli(["route", "explain", "--config", "premiumMinAmount"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^orders-pipeline: --config "premiumMinAmount" is not KEY=VALUE; e\.g\. --config orders:premiumMinAmount=2000 or --config batchSize=25\n/);
  });

  it("--config overrides a key for route, with or without its namespace, and a bad value names --config", async () => {
    for (const config of ["orders:premiumMinAmount=2000", "premiumMinAmount=2000"]) {
      const r = await runCli(["route", "explain", "--stack", "dev", "--config", config]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /premium route[\s\S]*processor guard +> 2000 /);
    }
    const bad = await runCli(["route", "explain", "--config", "orders:batchSize=0", "--config", "orders:maxRetryAttempts=3"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /orders:batchSize is 0 in --config; a pipe accepts 1 to 10000/);
    const record = JSON.stringify(inserted({ amount: "250" }, "e-1"));
    const routed = await runCli(["route", "--stack", "dev", "--jsonl", "--config", "normalMinAmount=300"], `${record}\n`);
    assert.deepEqual(JSON.parse(routed.stdout).routes.normal, "skipped");
  });

  it("--config overrides a key for cost (batch size, region)", async () => {
    const r = await runCli(["cost", "--stack", "dev", "--records", "examples/records.jsonl", "--per-month", "1000", "--config", "orders:batchSize=25"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^orders-pipeline cost: stack dev \(us-east-1, batch 25,/);
    const region = await runCli(["cost", "--stack", "dev", "--records", "examples/records.jsonl", "--per-month", "1000", "--config", "aws:region=mars-north-1"]);
    assert.equal(region.code, 2);
    assert.match(region.stderr, /mars-north-1/);
  });
});
