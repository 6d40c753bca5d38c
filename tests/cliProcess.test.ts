import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { benchRecords } from "../bench/records";
import { inserted } from "./support/records";
import { spawn } from "node:child_process";
import { PROJECT, type Ran, sh, SPELLINGS } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// The command line as people run it: real processes, through each documented spelling.

const tmp = tempDir("orders-cli-process-");
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};

describe("orders-pipeline: one command, three spellings", () => {
  const records = fs.readFileSync("examples/records.jsonl", "utf8");
  // Each exit status and each stream, through every spelling: what npm run and npx could
  // change (an exit status swallowed, output moved or added). The README's tests run every
  // other command as the README spells it (tests/readme.test.ts); the ones it does not show run
  // here once, directly.
  const cases: { args: string; stdin?: string; code: number; out: RegExp; stream?: "stdout" | "stderr"; spellings?: "node" }[] = [
    { args: "pattern test --pattern examples/premium-filter.json --event examples/shipped-order.json --dialect pipes", code: 0, out: /^match\n$/ },
    { args: "pattern test --pattern examples/seed-amount-filter.json --event examples/shipped-order.json --dialect pipes", code: 1, out: /^no match\n$/ },
    { args: "pattern test --pattern examples/seed-amount-filter.json --event examples/shipped-order.json --source dynamodb", code: 2, out: /^invalid: pattern: dynamodb\.NewImage\.orderAmount\.N: "numeric" never matches/ },
    { args: "route --stack dev --jsonl", stdin: records, code: 0, out: /^\{"eventID":"e-1","routes":\{"normal":"processed","premium":"filtered"\}\}\n/ },
    // stderr with exit 2 through every spelling: `deploy` below.
    { args: "local --stack nosuchstack", code: 2, out: /^orders-pipeline: no stack "nosuchstack": Pulumi\.nosuchstack\.yaml does not exist/, stream: "stderr", spellings: "node" },
    { args: "deploy", code: 2, out: /^orders-pipeline: unknown command "deploy"/, stream: "stderr" },
    { args: "dlq list --stack nosuchstack --local", code: 2, out: /no local stack nosuchstack is running/, stream: "stderr", spellings: "node" },
    { args: "dlq show -h", code: 0, out: /^usage: orders-pipeline dlq show --message ID/, spellings: "node" },
    { args: "cost --bogus", code: 2, out: /^orders-pipeline: Unknown option '--bogus'[\s\S]*Run `orders-pipeline cost --help`/, stream: "stderr", spellings: "node" },
  ];
  for (const c of cases) {
    const spellings = c.spellings === "node" ? { node: SPELLINGS.node } : SPELLINGS;
    it(`${c.args}: exit ${c.code}${c.spellings === "node" ? "" : ", the same through npm run, npx and node"}`, async () => {
      const runs = await Promise.all(Object.values(spellings).map((spelling) => sh(`${spelling} ${c.args}`, { stdin: c.stdin })));
      const [first] = runs;
      assert.equal(first.code, c.code, `${c.args}\nstdout: ${first.stdout}\nstderr: ${first.stderr}`);
      assert.match(first[c.stream ?? "stdout"], c.out);
      if ((c.stream ?? "stdout") === "stdout") assert.equal(first.stderr, "", "nothing on stderr");
      const names = Object.keys(spellings);
      runs.forEach((r: Ran, i) => assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: first.code, stdout: first.stdout, stderr: first.stderr }, `${names[i]} differs`));
    });
  }

  it("npx runs the project's command in place (node_modules/.bin), installing nothing into npx's cache", async () => {
    // npm 11's npx installs a project whose own package.json has the bin into its cache, at every
    // call; the bin comes from a linked package (cli/package.json) instead.
    const cache = fs.mkdtempSync(path.join(tmp, "npm-cache-"));
    const r = await sh(`${SPELLINGS.npx} --version`, { env: { ...process.env, npm_config_cache: cache } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^orders-pipeline \d+\.\d+\.\d+\n$/);
    assert.ok(!fs.existsSync(path.join(cache, "_npx")), `npx installed into its cache: ${fs.readdirSync(cache)}`);
    assert.equal(fs.realpathSync(path.join(PROJECT, "node_modules", ".bin", "orders-pipeline")), path.join(PROJECT, "cli", "bin.js"));
  });
});

describe("orders-pipeline: compiled code kept between commands (cli/bin.js)", () => {
  // Node says what its compile cache does under NODE_DEBUG_NATIVE=COMPILE_CACHE (stderr).
  const accepted = (stderr: string) => stderr.split("\n").filter((l) => /^\[compile cache\] (V8 code )?cache for .* was accepted/.test(l));

  it("a command's second run takes its modules' compiled code from node_modules/.cache/orders-compile; NODE_DISABLE_COMPILE_CACHE=1 turns it off", async () => {
    const env = { ...process.env, NODE_DEBUG_NATIVE: "COMPILE_CACHE" };
    await sh("node cli/bin.js route explain --stack dev", { env });
    const second = await sh("node cli/bin.js route explain --stack dev", { env });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /reading cache from \S*\/node_modules\/\.cache\/orders-compile\/\S+ for CommonJS \S*\/dist\/cli\/main\.js/);
    const used = accepted(second.stderr).join("\n");
    assert.match(used, /dist\/cli\/main\.js/, second.stderr.slice(0, 500));
    assert.match(used, /dist\/routing\/decide\.js/);
    const off = await sh("node cli/bin.js route explain --stack dev", { env: { ...env, NODE_DISABLE_COMPILE_CACHE: "1" } });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, second.stdout);
    assert.deepEqual(accepted(off.stderr), []);
  });
});

describe("orders-pipeline: bad input, calmly", () => {
  const many = file("many.jsonl", benchRecords(20000).map((r) => JSON.stringify(r)).join("\n") + "\n");

  const piped = async (command: string) => {
    // bash, for PIPESTATUS: the status of the command itself, not of `head`.
    const r = await sh(`bash -c 'set -o pipefail; ${command} | head -1 >/dev/null; echo "status=\${PIPESTATUS[0]}"'`);
    return { status: /status=(\d+)/.exec(r.stdout)?.[1], stderr: r.stderr };
  };

  it("a Node that package.json's engines does not name: one line saying what to install, exit 2, before anything runs", async () => {
    const { engines } = JSON.parse(fs.readFileSync(path.join(PROJECT, "package.json"), "utf8")) as { engines: { node: string } };
    const expected = (version: string) =>
      `orders-pipeline needs Node ${engines.node} (package.json "engines"); this is Node ${version}. Install Node 22 or 24 (https://nodejs.org/), then run the command again.\n`;
    // This Node, seen as 20.19.0 (the last Node 20) and as 22.8.0 (one minor short).
    for (const version of ["20.19.0", "22.8.0"]) {
      const seenAs = file(`node-${version}.js`, `Object.defineProperty(process, "versions", { value: { ...process.versions, node: ${JSON.stringify(version)} } });\n`);
      const r = await sh(`node -r ${seenAs} cli/bin.js local --stack dev --scenario examples/my-story.yaml`);
      assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 2, stdout: "", stderr: expected(version) });
    }
    // A real one where the machine has it (this machine's own Node is 20).
    const machine = await sh("/usr/bin/node --version");
    const version = machine.stdout.trim().replace(/^v/, "");
    if (machine.code === 0 && !require("../cli/nodeVersion").satisfies(version, engines.node)) {
      const r = await sh("/usr/bin/node cli/bin.js --version");
      assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 2, stderr: expected(version) });
    }
  });

  it("a reader that stops early (| head -1) ends the command quietly with status 0", async () => {
    const tests = file("tests.jsonl", Array(20000).fill(JSON.stringify({ pattern: '{"a":["x"]}', event: '{"a":"x"}' })).join("\n"));
    for (const command of [`node cli/bin.js route --stack dev --jsonl < ${many}`, `node cli/bin.js pattern test --jsonl < ${tests}`, "node cli/bin.js route explain --stack dev", "node cli/bin.js --help"]) {
      const r = await piped(command);
      assert.deepEqual(r, { status: "0", stderr: "" }, command);
    }
  });

  it("route --jsonl reads a redirected file as it reads a pipe: every line once, from where the file's offset is", async () => {
    const piped = await sh(`cat ${many} | node cli/bin.js route --stack dev --jsonl`);
    const redirected = await sh(`node cli/bin.js route --stack dev --jsonl < ${many}`);
    assert.equal(piped.code, 0, piped.stderr);
    const lines = piped.stdout.trimEnd().split("\n");
    assert.equal(lines.length, fs.readFileSync(many, "utf8").trimEnd().split("\n").length);
    assert.ok(fs.statSync(many).size > 3 << 20, "more than one read of the file");
    assert.equal(redirected.stdout, piped.stdout);
    // A shell that read the first line itself (GNU head leaves the offset after it): the rest.
    const rest = await sh(`{ head -n 1 > /dev/null; node cli/bin.js route --stack dev --jsonl; } < ${many}`);
    assert.equal(rest.stdout, `${lines.slice(1).join("\n")}\n`);
  });

  it("route --jsonl: a line that is JSON but not an object gets its own error line, and the run goes on", async () => {
    const lines = ['"{\\"eventID\\": \\"sneaky\\"}"', "5", "null", "[1]", "{broken", JSON.stringify(inserted({}, "e-ok")), JSON.stringify({ ...inserted({}), eventID: 42 })];
    const r = await sh("node cli/bin.js route --stack dev --jsonl", { stdin: `${lines.join("\n")}\n` });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "");
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(out.slice(0, 4), [
      { line: 1, error: "line 1 is a string, not a stream record (a JSON object)" },
      { line: 2, error: "line 2 is a number, not a stream record (a JSON object)" },
      { line: 3, error: "line 3 is null, not a stream record (a JSON object)" },
      { line: 4, error: "line 4 is an array, not a stream record (a JSON object)" },
    ]);
    assert.match(out[4].error, /^line 5 is not JSON: /);
    assert.deepEqual(out[5], { eventID: "e-ok", routes: { normal: "processed", premium: "filtered" } });
    assert.equal(out[6].routes.normal, "rejected");
    assert.deepEqual(out[6].reasons.normal, ["eventID is a number, expected a string"]);
  });

  it("pattern test --jsonl: exactly one answer per input line, blank and null lines included", async () => {
    const ok = JSON.stringify({ pattern: '{"a":["x"]}', event: '{"a":"x"}' });
    const r = await sh("node cli/bin.js pattern test --jsonl", { stdin: `${ok}\n\n   \nnull\n${ok}\n{"pattern": 5, "event": "{}"}\n` });
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(out.length, 6);
    assert.deepEqual(out[0], { result: "match" });
    assert.deepEqual(out[1], { result: "invalid", message: 'line 2 is blank; expected {"pattern": "<JSON text>", "event": "<JSON text>"}' });
    assert.match(out[2].message, /^line 3 is blank/);
    assert.deepEqual(out[3], { result: "invalid", message: 'line 4 is null, not an object; expected {"pattern": "<JSON text>", "event": "<JSON text>"}' });
    assert.deepEqual(out[4], { result: "match" });
    assert.match(out[5].message, /^line 6: "pattern" is a number/);
    assert.equal(r.code, 2);
  });

  it("JSON nested deeper than the documented limit (1000 levels) is named as such, never a stack overflow", async () => {
    const deep = (levels: number) => `${'{"a":'.repeat(levels)}[1]${"}".repeat(levels)}`;
    const line = JSON.stringify({ pattern: deep(20000), event: '{"a":1}' });
    const eventLine = JSON.stringify({ pattern: '{"a":[1]}', event: deep(20000) });
    const r = await sh("node cli/bin.js pattern test --jsonl", { stdin: `${line}\n${eventLine}\n` });
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(out, [
      { result: "invalid", message: "pattern: the pattern is nested deeper than 1000 levels at position 5000 (line 1)" },
      { result: "invalid", message: "event is nested deeper than 1000 levels at position 5000 (line 1)" },
    ]);
    const pattern = file("flat.json", '{"a":[1]}');
    const event = file("deep.json", deep(20000));
    const f = await sh(`node cli/bin.js pattern test --pattern ${pattern} --event ${event}`);
    assert.equal(f.code, 2);
    assert.equal(f.stdout, "invalid: event is nested deeper than 1000 levels at position 5000 (line 1)\n");
    for (const x of [r, f]) assert.doesNotMatch(x.stdout + x.stderr, /Maximum call stack/);
  });

  it("dlq --outputs: a file that is not JSON, or holds null, is named with the flag", async () => {
    const notJson = file("outputs.txt", "tableName = Orders\n");
    const nul = file("null.json", "null\n");
    const a = await sh(`node cli/bin.js dlq list --stack dev --outputs ${notJson}`);
    assert.equal(a.code, 2);
    assert.match(a.stderr, new RegExp(`^orders-pipeline: --outputs ${notJson} is not JSON \\(.*\\); expected the output of \`pulumi stack output --json\``));
    const b = await sh(`node cli/bin.js dlq list --stack dev --outputs ${nul}`);
    assert.equal(b.code, 2);
    assert.match(b.stderr, new RegExp(`^orders-pipeline: --outputs ${nul} holds null; expected the object`));
    for (const r of [a, b]) assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  });
});

describe("orders-pipeline local: --config and Ctrl-C, as people run it", function () {
  this.timeout(180000);

  it("--config reaches the local run: the premium threshold raised above the story's order, the premium route processes nothing", async () => {
    const r = await sh(`${SPELLINGS.npx} local --stack dev --scenario examples/my-story.yaml --quiet --config orders:premiumMinAmount=5000`, { timeoutMs: 120000 });
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /not as expected:\n(  - .*\n)*  - premium: expected processed 1, got 0\n/);
  });

  it("a bad --config value is refused before anything starts, naming --config", async () => {
    const r = await sh(`${SPELLINGS.npmRun} local --stack dev --config orders:batchSize=0`);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "", "nothing started");
    assert.match(r.stderr, /orders:batchSize is 0 in --config; a pipe accepts 1 to 10000/);
  });

  // A terminal's Ctrl-C reaches every process of its foreground group: npm, the `sh -c` npm runs
  // the command through, and node. Each spelling must end alike: by SIGINT, after the report.
  // (`npm run --silent cli -- local --stack dev --watch` is run so by tests/readme.test.ts.)
  for (const [name, spelling] of Object.entries(SPELLINGS).filter(([n]) => n !== "npmRun")) {
    it(`Ctrl-C ends --watch by SIGINT after its report: ${name}`, async () => {
      const [file, ...args] = `${spelling} local --stack dev --watch --quiet`.split(" ");
      const child = spawn(file, args, { cwd: PROJECT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let pressed = false;
      child.stdout.on("data", (d) => {
        out += d;
        if (pressed || !/watching: write orders/.test(out)) return;
        pressed = true; // once: a second Ctrl-C exits at once
        process.kill(-child.pid!, "SIGINT");
      });
      child.stderr.on("data", (d) => (out += d));
      const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 120000);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
      clearTimeout(timer);
      assert.deepEqual({ code, signal }, { code: null, signal: "SIGINT" }, out);
      assert.match(out, /report \(stack dev\)[\s\S]*accounted/);
      assert.doesNotMatch(out, /ECONNREFUSED|\n\s+at /);
    });
  }
});
