import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { HELP } from "../cli/help";
import { PROJECT, type Ran, sh } from "./support/spawn";

// The README is executable: every shell command in its code blocks and command tables runs
// here, as written, in its own process, and must exit as expected with a meaningful piece of
// output. A command this file does not know fails the test, so a README edit cannot add or
// break a command unnoticed. Commands that cannot run on this machine are listed with why.

/** Shell commands of the README: lines of ```bash blocks, and table cells that are a command. */
export function readmeCommands(markdown: string): string[] {
  const out: string[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (/^```(bash|sh|shell)\s*$/.test(lines[i])) {
      for (i++; i < lines.length && !lines[i].startsWith("```"); i++) {
        const command = lines[i].replace(/(^|\s)#.*$/, "").trim();
        if (command !== "") out.push(command);
      }
    } else if (lines[i].startsWith("|")) {
      for (const cell of lines[i].split(/(?<!\\)\|/)) {
        const m = /^\s*`((?:npx|npm|node|pulumi) [^`]+)`\s*$/.exec(cell);
        if (m) out.push(m[1].replace(/\\\|/g, "|"));
      }
    }
  }
  return out;
}

/** Commands that need what this machine lacks, each with the reason. */
const CANNOT_RUN_HERE: Record<string, string> = {
  "npm ci && npm test": "is CI's own run (.ci/run runs it on a clean clone); inside npm test it would start npm test again",
  "npm ci": "would reinstall node_modules under the running tests; .ci/run runs it on its clean clone",
  "npm ci && npm start":
    "is a newcomer's first command on a fresh clone: .ci/run runs it, as written, on its clean clone for each Node (and fails on any other outcome); here npm ci would reinstall node_modules under the running tests, so `npm start` runs in place",
  "pulumi login": "needs the Pulumi CLI and a Pulumi account",
  "pulumi stack select dev": "needs the Pulumi CLI",
  "pulumi preview": "needs the Pulumi CLI and AWS credentials",
  "pulumi up": "needs the Pulumi CLI and AWS credentials",
  "pulumi stack output --json": "needs the Pulumi CLI and a deployed stack",
  "npx orders-pipeline dlq list --stack prod --outputs outputs.json": "reads the queues of a deployed stack: needs AWS credentials",
  "npx orders-pipeline dlq list --stack prod --route normal": "reads the queues of a deployed stack: needs AWS credentials and the Pulumi CLI (stack outputs)",
};

interface Expectation {
  /** Exit status; "SIGINT" for a command that ends by Ctrl-C as npm does (a shell shows 130). */
  readonly code: number | "SIGINT";
  readonly stdout: RegExp;
  /** The README shows this command's output in the next code block: it must be what it prints (a leading part of it). */
  readonly printsTheReadmeBlock?: boolean;
  /** A long-running command: wait for this output, run `meanwhile`, then press Ctrl-C. */
  readonly runsUntil?: RegExp;
  readonly meanwhile?: readonly string[];
}

const DLQ_LIST = /^NormalOrdersProcessor DLQ \(http:\/\/\S+\/NormalOrdersProcessor-dlq\): 0 messages\nPremiumOrdersProcessor DLQ \(\S+\): 0 messages\n$/;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `--help` of a command or subcommand: its usage first, its exit statuses last. */
const helpOf = (name: string): Expectation => ({ code: 0, stdout: new RegExp(`^usage: orders-pipeline ${escape(name)} [\\s\\S]*\\nexit status:\\n  0 `) });

const EXPECTED: Record<string, Expectation> = {
  "npm run --silent cli -- pattern test --pattern examples/seed-amount-filter.json --event examples/shipped-order.json --dialect pipes --source dynamodb": {
    code: 2,
    stdout: /^invalid: pattern: dynamodb\.NewImage\.orderAmount\.N: "numeric" never matches a DynamoDB stream record/,
  },
  "npm run --silent cli -- local --stack dev --watch": {
    code: "SIGINT", // Ctrl-C ends it by the signal after the report, under every spelling (cli/main.ts)
    stdout: /watching: write orders[\s\S]*report \(stack dev\)/,
    runsUntil: /watching: write orders/,
    meanwhile: ["npm run --silent cli -- dlq list --stack dev --local", "npx orders-pipeline dlq list --stack dev --local", "npx orders-pipeline dlq redrive --stack dev --local --route normal"],
  },
  "npm run --silent cli -- dlq list --stack dev --local": { code: 0, stdout: DLQ_LIST },
  // Lists every command and subcommand, each with its usage.
  "npx orders-pipeline --help": {
    code: 0,
    stdout: new RegExp(`^usage: orders-pipeline <command>${Object.keys(HELP).filter((name) => !Object.keys(HELP).some((other) => other.startsWith(`${name} `))).map((name) => `[\\s\\S]*\\n  ${escape(name)} `).join("")}[\\s\\S]*help COMMAND`),
  },
  "npx orders-pipeline dlq redrive --help": helpOf("dlq redrive"),
  "npx orders-pipeline help route explain": { code: 0, stdout: /^usage: orders-pipeline route explain / },
  "npx orders-pipeline --version": { code: 0, stdout: /^orders-pipeline \d+\.\d+\.\d+\n$/ },
  "npx orders-pipeline route explain --stack dev --config orders:premiumMinAmount=2000": { code: 0, stdout: /premium route \(stack dev\)[\s\S]*processor guard +> 2000 / },
  "npx orders-pipeline dlq redrive --stack dev --local --route normal": { code: 0, stdout: /^NormalOrdersProcessor DLQ: 0 messages\n$/ },
  "npx orders-pipeline pattern test --pattern examples/premium-filter.json --event examples/shipped-order.json --dialect pipes": { code: 0, stdout: /^match\n$/ },
  "npx orders-pipeline pattern test --jsonl < examples/pattern-tests.jsonl": {
    code: 0,
    stdout: /^\{"result":"match"\}\n\{"result":"no-match"\}\n\{"result":"match"\}\n$/,
  },
  "npx orders-pipeline route --stack dev --jsonl < examples/records.jsonl": {
    code: 0,
    stdout: /^\{"eventID":"e-1","routes":\{"normal":"processed","premium":"filtered"\}\}\n\{"eventID":"e-2","routes":\{"normal":"processed","premium":"processed"\}\}\n[\s\S]*"e-6","routes":\{"normal":"rejected"/,
  },
  "npm run --silent cli -- route explain --stack dev": {
    code: 0,
    stdout: /normal route \(stack dev\)[\s\S]*Amount +dynamodb\.NewImage\.orderAmount\.N +processor guard +> 100[\s\S]*\{"dynamodb":\{"NewImage":\{"orderStatus":\{"S":\["pending","shipped"\]\}\}\}\}/,
  },
  // Shown twice (the walkthrough and the command table), run once.
  "npx orders-pipeline local --stack dev --scenario examples/my-story.yaml": { code: 0, stdout: /scenario "my story"[\s\S]*report \(stack dev\)[\s\S]*the story ran as expected ✓/ },
  "npx orders-pipeline local --stack dev --scenario examples/my-story.yaml --canary --quiet": {
    code: 0,
    stdout: /normal route\n(.*\n){2}    orders     skipped o-2\n    canary     1 heartbeat seen in 1 round[\s\S]*premium route\n(.*\n){2}    canary     1 heartbeat seen in 1 round[\s\S]*the story ran as expected ✓/,
  },
  "npx orders-pipeline dlq list --stack dev --local": { code: 0, stdout: DLQ_LIST },
  "npx orders-pipeline cost --stack dev --records cost/samples/orders-1000.jsonl --per-month 10000000": {
    code: 0,
    stdout: /^orders-pipeline cost: stack dev[\s\S]*\n\s+deployed\s+esmFiltered\s+esmUnfiltered\s+pipesUnfiltered\n[\s\S]*\ndeployed \(pipes with filters\) costs \$/,
    printsTheReadmeBlock: true,
  },
  "npx orders-pipeline cost --stack dev --records cost/samples/orders-1000.jsonl --per-month 10000000 --sensitivity": {
    code: 0,
    // The README shows the sensitivity table that follows the estimate: it must be in the output as shown.
    stdout: new RegExp(`\\n${escapeRegExp(blockAfter(fs.readFileSync(path.join(PROJECT, "README.md"), "utf8"), "--per-month 10000000 --sensitivity"))}\\n`),
  },
  "npx orders-pipeline cost --stack dev --records cost/samples/orders-1000.jsonl --per-month 10000000 --json": {
    code: 0,
    stdout: /^\{\n  "schemaVersion": 2,\n  "stack": "dev",[\s\S]*"designs": \{\n    "deployed": \{[\s\S]*"monthlyUsd": [\d.]+[\s\S]*"headline": \{[\s\S]*"cheapest": "esmFiltered"/,
  },
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The text of the first plain code block after `command` in the README. */
function blockAfter(markdown: string, command: string): string {
  const at = markdown.indexOf(command);
  const open = markdown.indexOf("\n```\n", markdown.indexOf("```", at) + 3);
  return markdown.slice(open + 5, markdown.indexOf("\n```", open + 5));
}

/** Runs a long-running command until `until` appears, runs `meanwhile`, then sends Ctrl-C. */
function runInterrupted(command: string, until: RegExp, meanwhile: readonly string[] = []): Promise<{ ran: Ran; during: Ran[] }> {
  return new Promise((resolve, reject) => {
    // Its own process group, so Ctrl-C (SIGINT to the group) reaches every process of it as in
    // a terminal. No shell in between: a terminal's shell would not be part of that group.
    assert.ok(!/[|&;<>()$`"'\\*?]/.test(command), `${command}: run without a shell, so it must be plain words`);
    const [file, ...args] = command.split(/\s+/);
    const child = spawn(file, args, { cwd: PROJECT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const during: Ran[] = [];
    let triggered = false;
    const timer = setTimeout(() => {
      process.kill(-child.pid!, "SIGKILL");
      reject(new Error(`${command}: no ${until} within 120 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 120000);
    child.stdout.on("data", async (d) => {
      stdout += d;
      if (triggered || !until.test(stdout)) return;
      triggered = true;
      for (const m of meanwhile) during.push(await sh(m).catch((err) => ({ code: -1, stdout: "", stderr: String(err) })));
      process.kill(-child.pid!, "SIGINT");
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ ran: { code: code ?? signal, stdout, stderr } as Ran, during });
    });
  });
}


describe("the README, run as written", function () {
  this.timeout(240000);
  const commands = readmeCommands(fs.readFileSync(path.join(PROJECT, "README.md"), "utf8"));

  it("finds the commands: the two from the top, the CLI table, the deploy steps", () => {
    for (const c of ["npm ci && npm start", "npm ci && npm test", "npx orders-pipeline --help", "pulumi preview"]) assert.ok(commands.includes(c), c);
  });

  it(".ci/run runs the README's two commands as written on its clean clone, and fails unless the story ran as expected", () => {
    const ci = fs.readFileSync(path.join(PROJECT, ".ci", "run"), "utf8");
    const body = ci.slice(ci.indexOf("run_tests() {"));
    const at = (line: RegExp) => body.search(line);
    assert.ok(at(/^\s+(if ! )?npm ci 2>&1/m) > 0, "npm ci");
    assert.ok(at(/^\s+(if ! )?npm start 2>&1/m) > at(/^\s+(if ! )?npm ci 2>&1/m), "npm start, after npm ci");
    assert.ok(at(/^\s+(if ! )?npm test 2>&1/m) > at(/^\s+(if ! )?npm start 2>&1/m), "npm test, after npm start");
    assert.match(body, /the story ran as expected ✓/, "checks npm start's verdict");
  });

  it("npm start, the second half of the first command, runs in place (npm ci: .ci/run)", async () => {
    const ran = await sh("npm start", { timeoutMs: 120000 });
    assert.equal(ran.code, 0, `stdout: ${ran.stdout}\nstderr: ${ran.stderr}`);
    assert.match(ran.stdout, /report \(stack dev\)[\s\S]*the story ran as expected ✓/);
    assert.doesNotMatch(ran.stderr, /\n\s+at .*:\d+:\d+\)?\n/, "no stack trace");
  });

  it("names every command and subcommand that answers --help, and runs every help's example (but dlq show's, which needs a message id)", () => {
    const readme = fs.readFileSync(path.join(PROJECT, "README.md"), "utf8");
    const named = /Every command and subcommand that `--help` lists \(([^)]*)\)/.exec(readme.replace(/\s+/g, " "));
    assert.deepEqual(named?.[1].split(", ").map((n) => n.replace(/`/g, "")), Object.keys(HELP));
    for (const [name, help] of Object.entries(HELP)) {
      if (name !== "dlq show") assert.ok(commands.includes(help.example), `the example of ${name} --help is a README command: ${help.example}`);
    }
  });

  it("knows every command: each is expected to run, or listed with the reason it cannot run here", () => {
    const unknown = commands.filter((c) => !(c in EXPECTED) && !(c in CANNOT_RUN_HERE));
    assert.deepEqual(unknown, [], "add these README commands to tests/readme.test.ts");
    const stale = Object.keys(EXPECTED).filter((c) => !commands.includes(c));
    assert.deepEqual(stale, [], "no longer in the README");
  });

  // A command that needs another one running is run inside that one's test.
  const runnable = Object.entries(EXPECTED).filter(([c]) => !Object.values(EXPECTED).some((e) => e.meanwhile?.includes(c)));
  for (const [command, want] of runnable) {
    it(`${command}`, async () => {
      let ran: Ran;
      if (want.runsUntil) {
        const r = await runInterrupted(command, want.runsUntil, want.meanwhile);
        ran = r.ran;
        (want.meanwhile ?? []).forEach((m, i) => {
          assert.equal(r.during[i]?.code, EXPECTED[m].code, `${m}\n${r.during[i]?.stdout}\n${r.during[i]?.stderr}`);
          assert.match(r.during[i].stdout, EXPECTED[m].stdout, m);
        });
      } else {
        ran = await sh(command, { timeoutMs: 120000 });
      }
      assert.equal(ran.code, want.code, `exit status\nstdout: ${ran.stdout}\nstderr: ${ran.stderr}`);
      assert.match(ran.stdout, want.stdout);
      if (want.printsTheReadmeBlock) {
        const shown = blockAfter(fs.readFileSync(path.join(PROJECT, "README.md"), "utf8"), command);
        assert.ok(shown.length > 100, "the README shows the output");
        assert.equal(ran.stdout.slice(0, shown.length), shown, "the README shows what the command prints");
      }
      assert.doesNotMatch(ran.stderr, /\n\s+at .*:\d+:\d+\)?\n/, "no stack trace");
      // Ctrl-C reaches every process of the terminal's group: DynamoDB Local must outlive the pipes' last reads.
      assert.doesNotMatch(ran.stdout + ran.stderr, /ECONNREFUSED/);
    });
  }
});
