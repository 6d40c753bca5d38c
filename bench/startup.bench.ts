import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startDynamoLocal } from "../local/dynamoLocal";
import { benchRecords, median } from "./records";

// The command line as people experience it: whole fresh processes (startup included), median
// of several samples, each as a ratio to a baseline measured in the same run:
// - a one-record `pattern test` and `route` beside `node -e 0` (goal: at most 3x);
// - `route --jsonl` over 50,000 realistic records beside a bare Node loop that JSON.parses
//   each line and prints a small JSON line, with the same I/O (issue 20's goal: at least its
//   speed; the route command reads each line once for both routes' filters and builds only
//   the records some filter passes, about half of these);
// - `npm start` (the local stack) until it is ready, beside DynamoDB Local alone until it answers
//   as its package starts it (and from its class archive, local/jvmArchive.ts).

const ROOT = path.resolve(__dirname, "..");
const SAMPLES = 7;
const round = (n: number) => Math.round(n * 100) / 100;

/** Wall time of one fresh process, in ms; stdin from a file (or nothing), stdout discarded. */
function wallMs(command: string, args: string[], stdinFile?: string): number {
  const stdin = stdinFile ? fs.openSync(stdinFile, "r") : "ignore";
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(command, args, { cwd: ROOT, stdio: [stdin, "ignore", "pipe"], encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0 && r.status !== 1) throw new Error(`${command} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
    return ms;
  } finally {
    if (typeof stdin === "number") fs.closeSync(stdin);
  }
}

function medianWall(samples: number, command: string, args: string[], stdinFile?: string): number {
  wallMs(command, args, stdinFile); // warm the file cache (and build dist/ if a source changed)
  return median(Array.from({ length: samples }, () => wallMs(command, args, stdinFile)));
}

// The baseline for `route --jsonl`: what any Node script must do with the same input and output.
const BARE_LOOP = `
let carry = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  const lines = (carry + chunk).split("\\n");
  carry = lines.pop();
  const out = [];
  for (const line of lines) if (line) out.push(JSON.stringify({ eventID: JSON.parse(line).eventID, ok: true }));
  if (out.length) process.stdout.write(out.join("\\n") + "\\n");
});
process.stdin.on("end", () => { if (carry) process.stdout.write(JSON.stringify({ eventID: JSON.parse(carry).eventID, ok: true }) + "\\n"); });
`;

/** Time from spawn to the "ready" line of the local stack, then Ctrl-C. */
function timeToReady(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ["cli/bin.js", "local", "--stack", "dev", "--watch"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let readyMs: number | undefined;
    child.stdout.on("data", (d) => {
      out += d;
      if (readyMs === undefined && /ready in \d+ ms/.test(out)) {
        readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
        child.kill("SIGINT");
      }
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("close", () => (readyMs === undefined ? reject(new Error(`local never became ready:\n${out}`)) : resolve(readyMs)));
  });
}

async function dynamoLocalAlone(opts: { classArchive?: false } = {}): Promise<number> {
  const t0 = process.hrtime.bigint();
  const ddb = await startDynamoLocal(opts);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await ddb.stop();
  return ms;
}

export async function runStartupBench(): Promise<Record<string, number | string>[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-startup-"));
  const one = path.join(dir, "one.jsonl");
  const [record] = benchRecords(1);
  fs.writeFileSync(one, `${JSON.stringify(record)}\n`);
  const many = path.join(dir, "many.jsonl");
  const records = benchRecords(50000).map((r) => JSON.stringify(r));
  fs.writeFileSync(many, `${records.join("\n")}\n`);
  const bytesPerRecord = Math.round(fs.statSync(many).size / records.length);
  const bare = path.join(dir, "bare.js");
  fs.writeFileSync(bare, BARE_LOOP);
  const node = process.execPath;
  const pattern = ["cli/bin.js", "pattern", "test", "--pattern", "examples/premium-filter.json", "--event", "examples/shipped-order.json", "--dialect", "pipes"];
  const route = ["cli/bin.js", "route", "--stack", "dev", "--jsonl"];

  const nodeZero = medianWall(SAMPLES, node, ["-e", "0"]);
  const rows: Record<string, number | string>[] = [{ what: "node -e 0 (the floor)", medianMs: round(nodeZero), ratio: 1 }];
  const add = (what: string, ms: number, base: number, goal: string) => rows.push({ what, medianMs: round(ms), ratio: round(ms / base), goal });
  add("node cli/bin.js pattern test (one pattern, one event)", medianWall(SAMPLES, node, pattern), nodeZero, "<= 3x node -e 0");
  add("node cli/bin.js route --stack dev --jsonl (one record)", medianWall(SAMPLES, node, route, one), nodeZero, "<= 3x node -e 0");
  add("npx orders-pipeline route ... (one record; npx's own start included)", medianWall(SAMPLES, "npx", ["orders-pipeline", ...route.slice(1)], one), nodeZero, "info");
  add("npm run --silent cli -- route ... (one record; npm's own start included)", medianWall(SAMPLES, "npm", ["run", "--silent", "cli", "--", ...route.slice(1)], one), nodeZero, "info");

  // Whole commands over 50,000 records: speed = 1 / time, so the ratio is bare time / our time.
  // Measured in pairs, one right after the other, and the ratio is the median of the pairs'
  // ratios: on a shared machine the load drifts between pairs more than within one.
  wallMs(node, [bare], many); // warm the file cache (and build dist/ if a source changed)
  wallMs(node, route, many);
  const pairs = Array.from({ length: 7 }, () => ({ bare: wallMs(node, [bare], many), route: wallMs(node, route, many) }));
  const bareMs = median(pairs.map((p) => p.bare));
  const routeMs = median(pairs.map((p) => p.route));
  rows.push({ what: `bare loop: JSON.parse + print, 50,000 records of ~${bytesPerRecord} B`, medianMs: round(bareMs), ratio: 1, goal: "baseline" });
  rows.push({
    what: "route --stack dev --jsonl, same 50,000 records (ratio: median of 7 back-to-back pairs)",
    medianMs: round(routeMs),
    ratio: round(median(pairs.map((p) => p.bare / p.route))),
    goal: ">= 1.0x the bare loop's speed",
  });

  // DynamoDB Local as its package starts it, and from its class archive (local/jvmArchive.ts),
  // alternated; the first start writes the archive if there is none.
  await dynamoLocalAlone();
  const plainStarts: number[] = [];
  const archiveStarts: number[] = [];
  for (let i = 0; i < 5; i++) {
    plainStarts.push(await dynamoLocalAlone({ classArchive: false }));
    archiveStarts.push(await dynamoLocalAlone());
  }
  const ddbPlain = median(plainStarts);
  const ddbAlone = median(archiveStarts);
  const withoutArchive = { ...process.env, ORDERS_LOCAL_CLASS_ARCHIVE: "off" };
  const warmPlain = [await timeToReady(withoutArchive), await timeToReady(withoutArchive), await timeToReady(withoutArchive)];
  // The first start after an edit evaluates the program; later ones take the kept plan (local/planCache.ts).
  const planCache = path.join(__dirname, "..", "node_modules", ".cache", "orders-plan");
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < 3; i++) {
    fs.rmSync(planCache, { recursive: true, force: true });
    cold.push(await timeToReady());
    warm.push(await timeToReady());
  }
  rows.push({ what: "DynamoDB Local alone, as its package starts it, until it answers", medianMs: round(ddbPlain), ratio: 1, goal: "baseline" });
  rows.push({ what: "DynamoDB Local alone, from its class archive (local/jvmArchive.ts), until it answers", medianMs: round(ddbAlone), ratio: round(ddbAlone / ddbPlain), goal: "info" });
  rows.push({ what: "local --stack dev: spawn until 'ready', the plan kept, ORDERS_LOCAL_CLASS_ARCHIVE=off", medianMs: round(median(warmPlain)), ratio: round(median(warmPlain) / ddbPlain), goal: "info" });
  rows.push({ what: "local --stack dev: spawn until 'ready' (what npm start waits for), the plan kept from an earlier start", medianMs: round(median(warm)), ratio: round(median(warm) / ddbPlain), goal: "info" });
  rows.push({ what: "local --stack dev: spawn until 'ready', first start after an edit (the program evaluated)", medianMs: round(median(cold)), ratio: round(median(cold) / ddbPlain), goal: "info" });
  fs.rmSync(dir, { recursive: true, force: true });
  return rows;
}
