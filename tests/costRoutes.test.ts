import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectCopy } from "./support/projectCopy";
import { type Ran, PROJECT, sh } from "./support/spawn";

// The cost side of "routes are data" (issue 15): in a copy of the project, a user adds the
// refunds route by editing only routing/routes.ts and adding handlers/steps/refundOrder.ts,
// then runs `cost` as the README spells it. The new route rides on normal's pipe, so it is
// priced as shared (one pipe's polling and invocations, its outcomes inside); without a
// measurement it is priced with normal's, and the output says so; `npm run bench cost`
// measures it (making records the sample lacks, and saying so), after which nothing is
// unmeasured.

const REFUNDS = `  {
    // Refunds: an order changed to refunded, any amount, test customers included.
    name: "refunds",
    changes: ["MODIFY"],
    statuses: ["refunded"],
    amount: "any",
    excludeTestCustomers: false,
    step: "refundOrder",
    pipe: "normal",
  },
];
`;

const REFUND_STEP = `import { type OrderHandler, orderFacts } from "../business";

// The refunds route's business step: record the refund (a team puts its real work here).
export const step: OrderHandler = async (order, { log }) => {
  log.info("order.refunded", orderFacts(order));
};
`;

const COST = "node cli/bin.js cost --stack dev --records cost/samples/orders-1000.jsonl --per-month 10000000";

interface CostJson {
  pipes: { owner: string; routes: string[] }[];
  designs: Record<string, { ordersProcessed: number; streamReads: number; lambdaInvocations: number; routes: Record<string, { ordersProcessed: number }>; pipes: { owner: string; routes: string[] }[] }>;
  unmeasured: string[];
}

describe("cost follows the declared routes: the refunds route added in a copy of the project (two files)", function () {
  this.timeout(240000);
  let dir: string;
  const inCopy = (command: string, timeoutMs = 120000): Promise<Ran> => sh(`cd ${dir} && ${command}`, { timeoutMs });
  before(() => {
    dir = projectCopy("orders-refunds-cost-", { linkModules: true });
    const routes = path.join(dir, "routing", "routes.ts");
    const text = fs.readFileSync(routes, "utf8");
    const end = text.lastIndexOf("];");
    fs.writeFileSync(routes, text.slice(0, end) + REFUNDS + text.slice(end + 3));
    fs.writeFileSync(path.join(dir, "handlers", "steps", "refundOrder.ts"), REFUND_STEP);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the copy differs from the project in the two files only", () => {
    const walk = (root: string, rel = ""): string[] =>
      fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) => {
        const child = path.join(rel, e.name);
        if (["node_modules", "dist", ".git", ".orders-local"].includes(e.name)) return [];
        return e.isDirectory() ? walk(root, child) : [child];
      });
    const differs = walk(dir).filter((f) => !fs.existsSync(path.join(PROJECT, f)) || !fs.readFileSync(path.join(PROJECT, f)).equals(fs.readFileSync(path.join(dir, f))));
    assert.deepEqual(differs.sort(), ["handlers/steps/refundOrder.ts", "routing/routes.ts"]);
  });

  it(`\`${COST}\`: three routes on two pipes, refunds priced with normal's measurements and the output says so`, async () => {
    const r = await inCopy(COST);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /\npipes: NormalOrdersPipe \(normal, refunds\), PremiumOrdersPipe \(premium\)\n/);
    assert.match(r.stdout, /\n {2}refunds +0 +0 +0 +0\n/, "the sample has no refunded order");
    const flat = r.stdout.replace(/\n {2}/g, " "); // notes wrap at 110 columns
    assert.match(flat, /\nnot measured:\n- Route refunds has no measurements in the handler profile \(measured [\d-]+, for normal, premium\): its log bytes are route normal's \(the route whose pipe it shares\) \([\d.]+ bytes per processed record/);
    assert.match(flat, /its metrics its own declared 7 \(RecordsFailed, RecordsQuarantined, RecordsSkippedByGuard, RepeatsSuppressed, OrderAmountProcessed, OrdersProcessed, ProcessingLatency, each per service\); run `npm run bench cost` to measure it\./);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it("records with refunds: refunds' orders are processed on normal's pipe; still two readers on the stream", async () => {
    const sample = fs.readFileSync(path.join(dir, "cost", "samples", "orders-1000.jsonl"), "utf8").trim().split("\n");
    const refunds = sample
      .map((l) => JSON.parse(l) as { eventID: string; eventName: string; dynamodb: { NewImage?: { orderStatus: { S: string } } } })
      .filter((r) => r.eventName === "MODIFY")
      .slice(0, 100)
      .map((r, i) => JSON.stringify({ ...r, eventID: `refund-${i}`, dynamodb: { ...r.dynamodb, NewImage: { ...r.dynamodb.NewImage, orderStatus: { S: "refunded" } } } }));
    fs.writeFileSync(path.join(dir, "with-refunds.jsonl"), `${[...sample.slice(0, 900), ...refunds].join("\n")}\n`);
    const r = await inCopy("node cli/bin.js cost --stack dev --records with-refunds.jsonl --per-month 10000000 --json");
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as CostJson;
    assert.deepEqual(out.pipes.map((p) => [p.owner, p.routes]), [["normal", ["normal", "refunds"]], ["premium", ["premium"]]]);
    for (const d of ["deployed", "esmFiltered", "esmUnfiltered", "pipesUnfiltered"]) {
      assert.equal(out.designs[d].routes.refunds.ordersProcessed, 1_000_000, `${d}: 100 of 1,000 sample records x 10,000`);
      assert.equal(out.designs[d].pipes.length, 2, d);
    }
    assert.equal(out.designs.deployed.streamReads, 2 * 42_048_000, "two readers on four shards, not three");
  });

  it("--from-report with a version 2 report of the three routes", async () => {
    const r = await inCopy(`node cli/bin.js cost --stack dev --from-report ${path.join(PROJECT, "tests", "fixtures", "cost", "report-refunds-v2.json")} --per-month 19000000 --json`);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as CostJson;
    assert.deepEqual(Object.fromEntries(Object.entries(out.designs.deployed.routes).map(([k, v]) => [k, v.ordersProcessed])), { normal: 8_000_000, refunds: 2_000_000, premium: 2_000_000 });
  });

  it("`npm run bench cost` measures refunds too, making the records the sample lacks and saying so; then nothing is unmeasured", async () => {
    const bench = await inCopy("npm run bench cost", 200000);
    assert.equal(bench.code, 0, `${bench.stdout}\n${bench.stderr}`);
    assert.match(bench.stdout, /route refunds: 0 processed from the sample and 100 made from sample records \(set to what route refunds accepts\); no skipped records: route refunds never skips a record \(any amount, test customers included\); 0 rejected from the sample and 20 made/);
    const profile = JSON.parse(fs.readFileSync(path.join(dir, "cost", "handler-profile.json"), "utf8")) as { pipes: Record<string, { routes: string[] }>; routes: Record<string, unknown> };
    assert.deepEqual(profile.pipes.normal.routes, ["normal", "refunds"]);
    assert.ok(profile.routes.refunds);
    const r = await inCopy(`${COST} --json`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as CostJson).unmeasured, []);
  });
});
