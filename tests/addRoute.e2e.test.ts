import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectCopy } from "./support/projectCopy";
import { sectionBlocks, sectionText } from "./support/readmeBlocks";
import { type Ran, sh } from "./support/spawn";

// The proof that routes are data: in a copy of the project, a third route ("refunds") is added
// exactly as the README's "Add a route" section shows, by editing only the route declaration
// and adding its business step. Then everything a user runs works with three routes: the
// program under mocks, `route explain`, `route --jsonl`, `cost --records` and a `local`
// scenario with expectations for all three routes.

/** Runs a command in `dir` (the copy) through the shell, as typed. */
const run = (dir: string, command: string, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<Ran> => sh(command, { cwd: dir, timeoutMs: opts.timeoutMs ?? 120000, stdin: opts.stdin });

const STORY = `name: refunds story
faults:
  r-2: 1        # the business step fails once for r-2 (its refund), then succeeds
steps:
  - put: { orderId: r-1, orderStatus: pending, orderAmount: 250, customerEmail: ann@example.com }
  - update: { orderId: r-1, set: { orderStatus: shipped } }
  - update: { orderId: r-1, set: { orderStatus: refunded } }
  - put: { orderId: r-2, orderStatus: pending, orderAmount: 5, customerEmail: qa@test.com }
  - update: { orderId: r-2, set: { orderStatus: refunded } }
  - put: { orderId: r-3, orderStatus: refunded, orderAmount: 40, customerEmail: bob@example.com }
  - put: { orderId: r-4, orderStatus: pending, orderAmount: 2000, customerEmail: vip@example.com }
  - update: { orderId: r-4, set: { orderStatus: shipped } }
expect:
  normal: { processed: 4, skipped: 1, filtered: 3, rejected: 0, deadLettered: 0 }
  premium: { processed: 1, skipped: 1, filtered: 6, rejected: 0, deadLettered: 0 }
  refunds: { processed: 2, skipped: 0, filtered: 6, rejected: 0, deadLettered: 0 }
`;

describe("add a route: the refunds route, from the README's two edits, everywhere", function () {
  this.timeout(300000);
  let dir: string;
  const CLI = "npm run --silent cli --";

  // The only two edits: the README's blocks, applied as it says.
  before(() => {
    dir = projectCopy("orders-add-route-", { linkModules: true });
    const [declaration, step] = sectionBlocks("## Add a route");
    assert.ok(declaration && step, "the section shows the declaration and the step");
    // Edit 1: the declaration goes at the end of ROUTES in routing/routes.ts.
    const routesFile = path.join(dir, "routing", "routes.ts");
    const source = fs.readFileSync(routesFile, "utf8");
    const end = source.lastIndexOf("];");
    fs.writeFileSync(routesFile, `${source.slice(0, end)}${declaration}${source.slice(end)}`);
    // Edit 2: the business step, in the file the section names.
    assert.match(sectionText("## Add a route"), /`handlers\/steps\/refundOrder\.ts`/);
    fs.writeFileSync(path.join(dir, "handlers", "steps", "refundOrder.ts"), step);
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the program under mocks: three routes on two pipes (two readers per shard), the refunds route's filter, processor, alarms, dashboard and output", async () => {
    const r = await run(dir, "node -r ./tests/support/register.js tests/support/printDeclared.ts dev");
    assert.equal(r.code, 0, r.stderr);
    const { resources, outputs } = JSON.parse(r.stdout) as { resources: { type: string; name: string; state: Record<string, any> }[]; outputs: Record<string, any> };
    const of = (type: string) => resources.filter((x) => x.type === type);
    const table = of("aws:dynamodb/table:Table").find((t) => t.name === "Orders") as (typeof resources)[number];
    const pipes = of("aws:pipes/pipe:Pipe");
    assert.deepEqual(pipes.map((p) => p.name).sort(), ["NormalOrdersPipe", "PremiumOrdersPipe"]);
    assert.equal(pipes.filter((p) => p.state.source === table.state.streamArn).length, 2, "readers per shard: 2, AWS's limit");
    const normalPipe = pipes.find((p) => p.name === "NormalOrdersPipe") as (typeof pipes)[number];
    assert.deepEqual(
      normalPipe.state.sourceParameters.filterCriteria.filters.map((f: { pattern: string }) => f.pattern),
      [
        '{"dynamodb":{"NewImage":{"orderStatus":{"S":["pending","shipped"]}}}}',
        '{"dynamodb":{"NewImage":{"orderStatus":{"S":["refunded"]}},"OldImage":{"orderId":{"S":[{"exists":true}]}}}}',
      ],
    );
    const fn = of("aws:lambda/function:Function").find((f) => f.name === "NormalOrdersProcessor") as (typeof pipes)[number];
    const env = fn.state.environment.variables;
    assert.equal(env.ORDERS_ROUTE, "normal,refunds");
    assert.equal(env.ORDERS_REFUNDS_STATUSES, "refunded");
    assert.equal(env.ORDERS_REFUNDS_AMOUNT_RULE, "any");
    assert.equal(env.ORDERS_NORMAL_MIN_AMOUNT, "100");
    assert.equal(fn.state.tags["orders:handler"], "normal=steps/acceptOrder refunds=steps/refundOrder");
    const retrying = of("aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.name === "NormalOrders-retrying-alarm") as (typeof pipes)[number];
    const services = retrying.state.metricQueries.filter((q: any) => q.metric?.metricName === "RecordsFailed").map((q: any) => q.metric.dimensions.service);
    assert.deepEqual(services, ["orders-normal-processor", "orders-refunds-processor"]);
    assert.match(retrying.state.alarmDescription, /the normal and refunds routes \(stack dev\)/);
    const dashboard = JSON.parse(of("aws:cloudwatch/dashboard:Dashboard")[0].state.dashboardBody);
    const lines = JSON.stringify(dashboard);
    assert.match(lines, /"OrdersPipeline","OrdersProcessed","service","orders-refunds-processor"/);
    assert.match(lines, /## normal and refunds routes: NormalOrdersPipe-dev/);
    assert.equal(outputs.refunds.pipeName, "NormalOrdersPipe-dev");
    assert.equal(outputs.refunds.dlqUrl, outputs.normal.dlqUrl, "routes on one pipe share its DLQ");
    assert.equal(of("aws:sqs/queue:Queue").length, 2);
    // Liveness for the added route too: its own heartbeat (a MODIFY to refunded: one write a
    // period), its heartbeat and latency alarms, its latency on the dashboard.
    const refundsBeat = of("aws:scheduler/schedule:Schedule").find((x) => x.name === "OrdersCanary-refunds-beat") as (typeof pipes)[number];
    assert.equal(JSON.parse(refundsBeat.state.target.input).Item.orderStatus.S, "refunded");
    assert.ok(!of("aws:scheduler/schedule:Schedule").some((x) => x.name === "OrdersCanary-refunds-prepare"));
    const alarms = of("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name);
    for (const a of ["RefundsOrders-heartbeat-alarm", "RefundsOrders-latency-alarm"]) assert.ok(alarms.includes(a), a);
    assert.match(lines, /"OrdersPipeline","ProcessingLatency","service","orders-refunds-processor"/);
  });

  it("route explain: the refunds route, where each requirement is enforced, and the pipe it shares", async () => {
    const r = await run(dir, `${CLI} route explain --stack dev`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /refunds route \(stack dev\): NormalOrdersPipe → NormalOrdersProcessor, shared with normal/);
    assert.match(r.stdout, /Events +eventName +pipe filter \(implied\), processor guard +MODIFY/);
    assert.match(r.stdout, /normal route \(stack dev\): NormalOrdersPipe → NormalOrdersProcessor, shared with refunds/);
    assert.doesNotMatch(r.stdout.slice(r.stdout.indexOf("refunds route")), /Amount +dynamodb/);
  });

  it("route --jsonl: each record's outcome on all three routes", async () => {
    const rec = (id: string, eventName: string, status: string, old?: string) =>
      JSON.stringify({
        eventID: id,
        eventName,
        eventSource: "aws:dynamodb",
        dynamodb: {
          Keys: { orderId: { S: "o-1" } },
          NewImage: { orderId: { S: "o-1" }, orderStatus: { S: status }, orderAmount: { N: "20" }, customerEmail: { S: "ann@example.com" } },
          ...(old ? { OldImage: { orderId: { S: "o-1" }, orderStatus: { S: old }, orderAmount: { N: "20" }, customerEmail: { S: "ann@example.com" } } } : {}),
          SequenceNumber: "1",
        },
      });
    const r = await run(dir, `${CLI} route --stack dev --jsonl`, { stdin: `${rec("e1", "MODIFY", "refunded", "shipped")}\n${rec("e2", "INSERT", "refunded")}\n` });
    assert.equal(r.code, 0, r.stderr);
    const [a, b] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(a.routes, { normal: "filtered", premium: "filtered", refunds: "processed" });
    assert.deepEqual(b.routes, { normal: "filtered", premium: "filtered", refunds: "filtered" }, "an inserted refund is not a change to refunded");
  });

  it("cost --records: prices the stack with the refunds route", async () => {
    const r = await run(dir, `${CLI} cost --stack dev --records cost/samples/orders-1000.jsonl --per-month 1000000`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /refunds/);
  });

  it("local: a story with expectations for all three routes runs as expected; refunds shows in the live lines and the report", async () => {
    fs.writeFileSync(path.join(dir, "refunds-story.yaml"), STORY);
    const r = await run(dir, `${CLI} local --stack dev --scenario refunds-story.yaml`, { timeoutMs: 240000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /the story ran as expected ✓/);
    assert.match(r.stdout, /✓ refunds: processed r-1 \(refunded\)/);
    assert.match(r.stdout, /! refunds: r-2 \(refunded\) failed: injected failure for order r-2 \(attempt 1\)/);
    assert.match(r.stdout, /✓ refunds: processed r-2 \(refunded\)/);
    assert.match(r.stdout, /NormalOrdersPipe → NormalOrdersProcessor \(routes normal, refunds\)/);
    // r-2's failure is retried with the records behind it; a refund processed beside the failure
    // (r-1's, when it ran before the failure was known) comes back as a suppressed repeat.
    assert.match(r.stdout, /refunds route\n +processor +processed 2( \(1 repeat of a done effect suppressed\))?, skipped by guard 0, rejected 0/);
    assert.match(r.stdout, /refunds route\n.*\n +latency +write → processed: p50 \d+ ms, p99 \d+ ms over 2 records\n +accounted +8 read = 6 filtered \+ 0 skipped \+ 2 processed \+ 0 rejected \+ 0 dead-lettered +✓/);
  });

  it("a third pipe instead is refused by the program (pulumi preview), naming the limit and the fix", async () => {
    const routesFile = path.join(dir, "routing", "routes.ts");
    fs.writeFileSync(routesFile, fs.readFileSync(routesFile, "utf8").replace(/\n\s*pipe: "normal",[^\n]*/, ""));
    const r = await run(dir, "node -r ./tests/support/register.js tests/support/printDeclared.ts dev");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /3 pipes would read each shard of the Orders stream \(NormalOrdersPipe, PremiumOrdersPipe, RefundsOrdersPipe\), but a DynamoDB stream shard serves at most 2 readers at once/);
    assert.match(r.stderr, /add pipe: "normal" or "premium" to its declaration/);
  });
});
