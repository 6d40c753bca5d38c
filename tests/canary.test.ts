import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { loadStackFileSettings } from "../config/stackFile";
import { type BatchDeps, processBatch } from "../handlers/batch";
import { createHandler } from "../handlers/lambda";
import { canaryGroupName, OrdersCanary } from "../infra/canary";
import { type DeclaredStack, evaluateProgram } from "../local/evaluateProgram";
import { canaryPlanFromDeclared, LocalCanary, withContextAttributes } from "../local/canary";
import { routeEvaluator } from "../routing/decide";
import {
  checkHeartbeatPlans,
  HEARTBEAT_KEY_PREFIX,
  heartbeatCron,
  heartbeatOf,
  heartbeatPlanOf,
  heartbeatRecordsPerPeriod,
  parseHeartbeatCron,
  recordLatencyMs,
} from "../routing/heartbeat";
import type { Route, RouteDeclaration } from "../routing/route";
import { ROUTES } from "../routing/routes";
import { routeNamed, routesFromSettings } from "../routing/stackRoutes";
import { captureStdout } from "./support/capture";
import { handlerTestEnvironment } from "./support/handlerEnv";
import { inserted, record } from "./support/records";
import { sh } from "./support/spawn";

// The canary (issue 18 §2): what it writes for each declared route and why its records pass
// exactly the filters they must, the resources the program declares for it (schedules, their
// role's least privilege, the alarms that treat silence as breaching, the dashboard), its
// config keys refused at preview, and the declared schedules as the local runtime runs them.

const dev = routesFromSettings(loadStackFileSettings("dev"));
const normal = routeNamed(dev, "normal");
const premium = routeNamed(dev, "premium");

/** Routes a team might add: refunds on normal's pipe (MODIFY only), arrivals (INSERT only), audit (a transition). */
const EXTRA: RouteDeclaration[] = [
  { name: "refunds", changes: ["MODIFY"], statuses: ["refunded"], amount: "any", excludeTestCustomers: false, step: "refundOrder", pipe: "normal" },
  { name: "arrivals", changes: ["INSERT"], statuses: ["pending", "placed"], amount: "any", excludeTestCustomers: false, step: "arrival", pipe: "premium" },
  { name: "returns", changes: ["MODIFY"], statuses: ["returned"], previousStatuses: ["shipped", "delivered"], amount: { above: "0" }, excludeTestCustomers: true, step: "returnOrder", pipe: "normal" },
];
const many = routesFromSettings(loadStackFileSettings("dev"), [...ROUTES, ...EXTRA]);

describe("the canary's heartbeats, derived from the declared routes", () => {
  // [route, prepare, beat] by hand from each declaration.
  const cases: [string, string | undefined, string][] = [
    ["normal", undefined, "putItem pending"],
    ["premium", "putItem pending", "putItem shipped"],
    ["refunds", undefined, "putItem refunded"],
    ["arrivals", "deleteItem", "putItem pending"],
    ["returns", "putItem shipped", "putItem returned"],
  ];
  const show = (w?: ReturnType<typeof heartbeatPlanOf>["beat"]) => (w === undefined ? undefined : w.action === "putItem" ? `putItem ${w.item.orderStatus.S}` : w.action);
  for (const [route, prepare, beat] of cases) {
    it(`${route}: ${prepare ? `${prepare}, then ` : ""}${beat}`, () => {
      const plan = heartbeatPlanOf(routeNamed(many, route));
      assert.equal(plan.key, `${HEARTBEAT_KEY_PREFIX}${route}`);
      assert.deepEqual([show(plan.prepare), show(plan.beat)], [prepare, beat]);
    });
  }

  it("every route's beat passes its own filter, period after period; its prepare write never does (any number of routes, shared pipes)", () => {
    assert.doesNotThrow(() => checkHeartbeatPlans(many.routes));
    const evaluators = many.routes.map(routeEvaluator);
    const records = heartbeatRecordsPerPeriod(many.routes.map(heartbeatPlanOf));
    // One record per write a period (the arrivals' delete makes a REMOVE), each recognised as its route's heartbeat.
    assert.equal(records.length, 8);
    for (const { route, phase, record } of records) {
      assert.equal(heartbeatOf(record)?.route, route);
      const own = evaluators.find((e) => e.route.name === route);
      assert.equal(own?.passesFilter(record), phase === "beat", `${route} ${phase}`);
    }
  });

  it("refuses a heartbeat a route's filter would not pass, naming the route", () => {
    const odd = { ...normal, name: "odd" };
    const wrong = { ...heartbeatPlanOf(odd), beat: heartbeatPlanOf(premium).beat, route: "odd", key: `${HEARTBEAT_KEY_PREFIX}odd` };
    assert.throws(() => checkHeartbeatPlans([odd], [wrong]), /route odd: its heartbeat record is not recognised as its heartbeat/);
    const shippedOnly: Route = { ...normal, name: "odd", eventNames: ["MODIFY"], statuses: ["shipped"], previousStatuses: ["pending"] };
    const notPrepared = { ...heartbeatPlanOf(shippedOnly), prepare: undefined };
    assert.throws(() => checkHeartbeatPlans([shippedOnly], [notPrepared]), /route odd: the canary's heartbeat .* does not pass the route's filter/);
  });

  it("recognises a heartbeat by its key alone, and an order never", () => {
    assert.deepEqual(heartbeatOf({ dynamodb: { Keys: { orderId: { S: "__canary#premium" } } } }), { route: "premium" });
    for (const other of [{ dynamodb: { Keys: { orderId: { S: "o-1" } } } }, { dynamodb: { Keys: { orderId: { S: "canary#normal" } } } }, { dynamodb: { Keys: { orderId: { N: "1" } } } }, null, "x", {}]) {
      assert.equal(heartbeatOf(other), undefined, JSON.stringify(other));
    }
  });

  it("latency from ApproximateCreationDateTime (seconds): never negative, none without a time", () => {
    const at = (t: unknown) => ({ dynamodb: { ApproximateCreationDateTime: t } });
    assert.equal(recordLatencyMs(at(1767225600), 1767225600_250), 250);
    assert.equal(recordLatencyMs(at(1767225601), 1767225600_250), 0, "a clock behind the stream's");
    for (const bad of [undefined, "1767225600", Number.NaN]) assert.equal(recordLatencyMs(at(bad), 1), undefined);
  });

  // [period, beat, prepare] by hand: Scheduler's cron, minutes past the hour.
  const crons: [number, string, string][] = [
    [5, "cron(0/5 * * * ? *)", "cron(2/5 * * * ? *)"],
    [2, "cron(0/2 * * * ? *)", "cron(1/2 * * * ? *)"],
    [15, "cron(0/15 * * * ? *)", "cron(7/15 * * * ? *)"],
    [60, "cron(0 * * * ? *)", "cron(30 * * * ? *)"],
  ];
  for (const [period, beat, prepare] of crons) {
    it(`every ${period} min: beat ${beat}, prepare ${prepare}; read back the same`, () => {
      assert.deepEqual([heartbeatCron(period, "beat"), heartbeatCron(period, "prepare")], [beat, prepare]);
      assert.deepEqual(parseHeartbeatCron(prepare), { periodMinutes: period, offsetMinutes: Math.floor(period / 2) });
    });
  }
  it("a period that does not divide an hour is refused", () => assert.throws(() => heartbeatCron(7, "beat"), /heartbeat period 7 min: must be one of 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60/));
});

function find(stack: DeclaredStack, type: string, name: string) {
  const hits = stack.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(hits.length, 1, `one ${type} ${name}`);
  return hits[0].state;
}

describe("the canary and liveness alarms as the program declares them (mocks)", function () {
  this.timeout(60000);
  const stacks: Record<string, DeclaredStack> = {};
  before(async () => {
    stacks.dev = await evaluateProgram("dev");
    stacks.prod = await evaluateProgram("prod");
  });

  for (const [stack, objective] of [["dev", 60], ["prod", 30]] as const) {
    describe(`the ${stack} stack`, () => {
      it("a schedule group per stack; each route's writes as universal DynamoDB targets, on time, retried briefly", () => {
        const s = stacks[stack];
        assert.equal(find(s, "aws:scheduler/scheduleGroup:ScheduleGroup", "OrdersCanary").name, `orders-canary-${stack}`);
        const role = find(s, "aws:iam/role:Role", "OrdersCanary-role").arn;
        const schedules = s.resources.filter((r) => r.type === "aws:scheduler/schedule:Schedule").map((r) => r.state);
        assert.deepEqual(
          schedules.map((x) => [x.name, x.scheduleExpression, x.target.arn, JSON.parse(x.target.input)]).sort(),
          [
            ["normal-beat", "cron(0/5 * * * ? *)", "arn:aws:scheduler:::aws-sdk:dynamodb:putItem", { TableName: "Orders", Item: { orderId: { S: "__canary#normal" }, orderStatus: { S: "pending" }, heartbeatAt: { S: "<aws.scheduler.scheduled-time>" } } }],
            ["premium-beat", "cron(0/5 * * * ? *)", "arn:aws:scheduler:::aws-sdk:dynamodb:putItem", { TableName: "Orders", Item: { orderId: { S: "__canary#premium" }, orderStatus: { S: "shipped" }, heartbeatAt: { S: "<aws.scheduler.scheduled-time>" } } }],
            ["premium-prepare", "cron(2/5 * * * ? *)", "arn:aws:scheduler:::aws-sdk:dynamodb:putItem", { TableName: "Orders", Item: { orderId: { S: "__canary#premium" }, orderStatus: { S: "pending" }, heartbeatAt: { S: "<aws.scheduler.scheduled-time>" } } }],
          ],
        );
        for (const x of schedules) {
          assert.equal(x.groupName, `orders-canary-${stack}`);
          assert.deepEqual(x.flexibleTimeWindow, { mode: "OFF" });
          assert.deepEqual(x.target.retryPolicy, { maximumEventAgeInSeconds: 60, maximumRetryAttempts: 2 });
          assert.equal(x.target.roleArn, role);
        }
      });

      it("the schedules' role: only Scheduler for this account and schedule group may assume it; it may only put the heartbeat items", () => {
        const s = stacks[stack];
        const trust = JSON.parse(find(s, "aws:iam/role:Role", "OrdersCanary-role").assumeRolePolicy);
        assert.deepEqual(trust.Statement, [
          {
            Effect: "Allow",
            Principal: { Service: "scheduler.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnEquals: { "aws:SourceArn": `arn:aws:scheduler:us-east-1:123456789012:schedule-group/orders-canary-${stack}` } },
          },
        ]);
        const policy = JSON.parse(find(s, "aws:iam/rolePolicy:RolePolicy", "OrdersCanary-write-policy").policy);
        assert.deepEqual(policy.Statement, [
          {
            Effect: "Allow",
            Action: ["dynamodb:PutItem"],
            Resource: [find(s, "aws:dynamodb/table:Table", "Orders").arn],
            Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["__canary#normal", "__canary#premium"] } },
          },
        ]);
      });

      for (const [route, prefix] of [["normal", "Normal"], ["premium", "Premium"]] as const) {
        it(`${route}: a heartbeat alarm for which missing data is breaching, and a latency alarm on the stack's objective (${objective} s)`, () => {
          const s = stacks[stack];
          const topic = find(s, "aws:sns/topic:Topic", "OrdersAlarms").arn;
          const hb = find(s, "aws:cloudwatch/metricAlarm:MetricAlarm", `${prefix}Orders-heartbeat-alarm`);
          assert.deepEqual(
            [hb.namespace, hb.metricName, hb.dimensions, hb.statistic, hb.period, hb.evaluationPeriods, hb.datapointsToAlarm, hb.comparisonOperator, hb.threshold, hb.treatMissingData],
            ["OrdersPipeline", "Heartbeats", { service: `orders-${route}-processor` }, "Sum", 300, 2, 2, "LessThanThreshold", 1, "breaching"],
          );
          assert.deepEqual([hb.alarmActions, hb.okActions], [[topic], [topic]]);
          assert.match(hb.alarmDescription, new RegExp(`^No canary heartbeat reached the ${route} route \\(stack ${stack}\\) for 10 min`));
          assert.ok(hb.alarmDescription.includes(`First: aws pipes describe-pipe --name ${prefix}OrdersPipe-${stack} --query '{state: CurrentState, reason: StateReason}'`), hb.alarmDescription);
          assert.ok(hb.alarmDescription.includes(`schedule group orders-canary-${stack}, ${route}-beat${route === "premium" ? " and premium-prepare" : ""})`), hb.alarmDescription);

          const lat = find(s, "aws:cloudwatch/metricAlarm:MetricAlarm", `${prefix}Orders-latency-alarm`);
          assert.deepEqual(
            [lat.namespace, lat.metricName, lat.dimensions, lat.extendedStatistic, lat.statistic, lat.period, lat.evaluationPeriods, lat.comparisonOperator, lat.threshold, lat.treatMissingData, lat.evaluateLowSampleCountPercentiles],
            ["OrdersPipeline", "ProcessingLatency", { service: `orders-${route}-processor` }, "p99", undefined, 300, 1, "GreaterThanThreshold", objective * 1000, "notBreaching", "evaluate"],
          );
          assert.match(lat.alarmDescription, new RegExp(`above ${objective} s \\(orders:latencyObjectiveSeconds\\)\\..* First: aws logs tail ${prefix}OrdersProcessor-logs --since 30m --filter-pattern '"record.failed"'`));
        });
      }

      it("the dashboard's liveness section: latency p50/p99 per route with the objective, heartbeats per route, the canary's schedules", () => {
        const body = JSON.parse(find(stacks[stack], "aws:cloudwatch/dashboard:Dashboard", "OrdersPipeline").dashboardBody);
        const header = body.widgets.find((w: { properties: { markdown?: string } }) => w.properties.markdown?.startsWith("## Liveness:"));
        assert.ok(header, "a liveness section");
        const below = body.widgets.filter((w: { y: number; type: string }) => w.type === "metric" && w.y > header.y);
        const byTitle = Object.fromEntries(below.map((w: { properties: { title: string } }) => [w.properties.title, w.properties]));
        for (const route of ["normal", "premium"]) {
          const w = byTitle[`${route}: write → processed latency (ms)`];
          assert.deepEqual(w.metrics, [
            ["OrdersPipeline", "ProcessingLatency", "service", `orders-${route}-processor`, { stat: "p50", label: "p50" }],
            ["OrdersPipeline", "ProcessingLatency", "service", `orders-${route}-processor`, { stat: "p99", label: "p99" }],
          ]);
          assert.deepEqual(w.annotations.horizontal, [{ label: `objective (${objective} s)`, value: objective * 1000 }]);
        }
        assert.deepEqual(
          byTitle["Canary: heartbeats received per route (one every 5 min)"].metrics.map((m: unknown[]) => m.slice(0, 4)),
          [["OrdersPipeline", "Heartbeats", "service", "orders-normal-processor"], ["OrdersPipeline", "Heartbeats", "service", "orders-premium-processor"]],
        );
        assert.deepEqual(
          byTitle[`Canary: schedule invocations (orders-canary-${stack})`].metrics.map((m: unknown[]) => m.slice(0, 4)),
          ["InvocationAttemptCount", "TargetErrorCount", "InvocationDroppedCount"].map((m) => ["AWS/Scheduler", m, "ScheduleGroup", `orders-canary-${stack}`]),
        );
        // Nothing overlaps: the section is below every pipe's.
        const cells = new Set<string>();
        for (const w of body.widgets) for (let x = w.x; x < w.x + w.width; x++) for (let y = w.y; y < w.y + w.height; y++) assert.ok(!cells.has(`${x},${y}`) && cells.add(`${x},${y}`), `overlap at ${x},${y}`);
      });
    });
  }

  describe("its config keys fail pulumi preview naming the key", () => {
    // [key, value, message] by hand.
    const bad: [string, string, RegExp][] = [
      ["orders:latencyObjectiveSeconds", "fast", /orders:latencyObjectiveSeconds is fast in Pulumi\.dev\.yaml; must be a whole number; the objective for write → processed latency is 2 to 3600 seconds/],
      ["orders:latencyObjectiveSeconds", "0", /orders:latencyObjectiveSeconds is 0 in Pulumi\.dev\.yaml; the objective for write → processed latency is 2 to 3600 seconds/],
      ["orders:heartbeatMinutes", "7", /orders:heartbeatMinutes is 7 in Pulumi\.dev\.yaml; must be one of 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60/],
      ["orders:latencyObjectiveSeconds", "2", /orders:latencyObjectiveSeconds \(2\) must be more than orders:batchingWindowSeconds \(1\) \+ 1 in Pulumi\.dev\.yaml/],
    ];
    for (const [key, value, message] of bad) {
      it(`${key}: ${value} → refused`, async () => {
        await assert.rejects(evaluateProgram("dev", { [key]: value }), (err: Error) => {
          assert.match(err.message, message);
          return true;
        });
      });
    }
    it("a batching window as long as the heartbeat period is refused naming both keys", async () => {
      await assert.rejects(evaluateProgram("dev", { "orders:heartbeatMinutes": "2", "orders:batchingWindowSeconds": "120" }), /orders:heartbeatMinutes \(2\) must be longer than orders:batchingWindowSeconds \(120 s\) in Pulumi\.dev\.yaml/);
    });
    it("left out, each takes its default, which follows the batching window", async () => {
      const s = await evaluateProgram("dev", { "orders:latencyObjectiveSeconds": undefined, "orders:heartbeatMinutes": undefined, "orders:batchingWindowSeconds": "300", "orders:maxRecordAgeSeconds": "3600" });
      assert.equal(find(s, "aws:cloudwatch/metricAlarm:MetricAlarm", "NormalOrders-latency-alarm").threshold, 360_000, "the window + 60 s");
      assert.equal(find(s, "aws:scheduler/schedule:Schedule", "OrdersCanary-normal-beat").scheduleExpression, "cron(0/6 * * * ? *)", "the shortest period longer than the window");
      const d = await evaluateProgram("dev", { "orders:latencyObjectiveSeconds": undefined, "orders:heartbeatMinutes": undefined });
      assert.equal(find(d, "aws:cloudwatch/metricAlarm:MetricAlarm", "NormalOrders-latency-alarm").threshold, 60_000);
      assert.equal(find(d, "aws:scheduler/schedule:Schedule", "OrdersCanary-normal-beat").scheduleExpression, "cron(0/5 * * * ? *)");
    });
  });
});

describe("OrdersCanary for routes a team adds (mocks): an INSERT-only route needs DeleteItem, for its own item only", function () {
  this.timeout(30000);
  it("declares a beat per route and a prepare where needed, and grants exactly the actions they call", async () => {
    const declared: { type: string; name: string; inputs: Record<string, any> }[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (a) => {
          declared.push({ type: a.type, name: a.name, inputs: a.inputs });
          return { id: `${a.name}-id`, state: { ...a.inputs, arn: `arn:aws:mock:::${a.name}` } };
        },
        call: (a) => {
          throw new Error(`unexpected call ${a.token}`);
        },
      },
      "orders",
      "team",
      true,
    );
    const canary = new OrdersCanary("C", { stack: "team", routes: many.routes, periodMinutes: 10, tableName: "Orders", tableArn: "arn:aws:dynamodb:eu-west-1:1:table/Orders", accountId: "1", region: "eu-west-1", partition: "aws" });
    await new Promise((resolve) => canary.roleArn.apply(resolve));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
    const schedules = declared.filter((d) => d.type === "aws:scheduler/schedule:Schedule");
    assert.deepEqual(schedules.map((s) => `${s.inputs.name} ${s.inputs.scheduleExpression} ${s.inputs.target.arn.replace(/^.*:/, "")}`).sort(), [
      "arrivals-beat cron(0/10 * * * ? *) putItem",
      "arrivals-prepare cron(5/10 * * * ? *) deleteItem",
      "normal-beat cron(0/10 * * * ? *) putItem",
      "premium-beat cron(0/10 * * * ? *) putItem",
      "premium-prepare cron(5/10 * * * ? *) putItem",
      "refunds-beat cron(0/10 * * * ? *) putItem",
      "returns-beat cron(0/10 * * * ? *) putItem",
      "returns-prepare cron(5/10 * * * ? *) putItem",
    ]);
    assert.deepEqual(JSON.parse(schedules.find((s) => s.inputs.name === "arrivals-prepare")?.inputs.target.input), { TableName: "Orders", Key: { orderId: { S: "__canary#arrivals" } } });
    const policy = JSON.parse(declared.find((d) => d.name === "C-write-policy")?.inputs.policy);
    assert.deepEqual(policy.Statement[0].Action, ["dynamodb:DeleteItem", "dynamodb:PutItem"]);
    assert.deepEqual(policy.Statement[0].Condition["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"], ["normal", "premium", "refunds", "arrivals", "returns"].map((r) => `__canary#${r}`));
    assert.equal(canary.groupName, canaryGroupName("team"));
  });
});

describe("the declared canary as the local runtime runs it", function () {
  this.timeout(60000);
  let declared: DeclaredStack;
  before(async () => (declared = await evaluateProgram("dev")));

  it("reads the declared schedules, in the order they fire from just after minute 0 (prepare before beat)", () => {
    const plan = canaryPlanFromDeclared(declared.resources);
    assert.ok(plan);
    assert.equal(plan.periodMinutes, 5);
    assert.deepEqual(plan.schedules.map((s) => `${s.name} ${s.action}`), ["premium-prepare putItem", "normal-beat putItem", "premium-beat putItem"]);
    assert.deepEqual(plan.routes, ["normal", "premium"]);
  });

  it("replaces Scheduler's context attributes in every string of the request", () => {
    const r = withContextAttributes(JSON.stringify({ Item: { a: { S: "<aws.scheduler.scheduled-time>" }, b: { L: [{ S: "x <aws.scheduler.execution-id> <aws.scheduler.attempt-number>" }] } } }), { scheduledTime: "T", scheduleArn: "A", executionId: "E" });
    assert.deepEqual(r, { Item: { a: { S: "T" }, b: { L: [{ S: "x E 1" }] } } });
  });

  it("a round writes each schedule's request once, in order; a route unseen for 2 rounds is said once, and again when it is back", async () => {
    const plan = canaryPlanFromDeclared(declared.resources);
    assert.ok(plan);
    const sent: string[] = [];
    const events: string[] = [];
    const dynamo = {
      send: async (command: { constructor: { name: string }; input: { Item: { orderId: { S: string }; orderStatus: { S: string }; heartbeatAt: { S: string } } } }) => {
        assert.notEqual(command.input.Item.heartbeatAt.S, "<aws.scheduler.scheduled-time>");
        sent.push(`${command.constructor.name} ${command.input.Item.orderId.S} ${command.input.Item.orderStatus.S}`);
        return {};
      },
    };
    const canary = new LocalCanary(plan, { dynamo: dynamo as never, periodMs: 3_600_000, onEvent: (e, d) => events.push(`${e} ${d.route ?? ""}`.trim()) });
    for (let round = 1; round <= 4; round++) {
      await canary.runRound();
      canary.seen("normal"); // normal's heartbeat arrives each round; premium's never
    }
    canary.seen("premium");
    canary.stop();
    assert.deepEqual(sent.slice(0, 3), ["PutItemCommand __canary#premium pending", "PutItemCommand __canary#normal pending", "PutItemCommand __canary#premium shipped"]);
    assert.equal(sent.length, 12);
    assert.deepEqual(events.filter((e) => !e.startsWith("canary.round")), ["canary.silent premium", "canary.back premium"]);
  });
});

describe("the processors and the canary's heartbeats", () => {
  // The canary's records as DynamoDB makes them (tests/support/records.ts builds the wire format):
  // normal's heartbeat, premium's prepare write and premium's beat, none of them an order.
  const beat = (key: string, status: string, previous?: string, eventID = `hb-${key}-${status}`) => {
    const item = (s: string) => ({ orderId: { S: `__canary#${key}` }, orderStatus: { S: s }, heartbeatAt: { S: "2026-01-01T00:00:00Z" } });
    return record({ eventID, eventName: previous ? "MODIFY" : "INSERT", newImage: item(status), oldImage: previous ? item(previous) : undefined });
  };
  const normalBeat = () => beat("normal", "pending");
  const premiumPrepare = () => beat("premium", "pending", "shipped");
  const premiumBeat = () => beat("premium", "shipped", "pending");
  const created = 1767225600_000; // the records' ApproximateCreationDateTime

  function processor(served: Route[]) {
    const ran: string[] = [];
    const quarantined: unknown[] = [];
    const warned: string[] = [];
    const deps: BatchDeps = {
      routes: served.map((r) => ({
        evaluator: routeEvaluator(r),
        handleOrder: async (order) => void ran.push(`${r.name}:${order.orderId}`),
        context: { route: r.name, log: { info() {} }, metrics: { count() {}, amount() {} }, settings: {} },
      })),
      quarantine: async (m) => (quarantined.push(m), "whole"),
      warn: (message) => void warned.push(message),
      now: () => new Date(created + 1500),
    };
    return { deps, ran, quarantined, warned };
  }

  it("a heartbeat is its route's, never an order: not processed, skipped, quarantined nor failed, and its latency is reported", async () => {
    const p = processor([normal, premium]); // one processor serving both, as a shared pipe's
    const out = await processBatch([normalBeat(), premiumPrepare(), inserted({ amount: "250" }, "order"), premiumBeat()], p.deps);
    assert.deepEqual(out.batchItemFailures, []);
    assert.deepEqual(p.ran, ["normal:o-1"], "only the order reaches a business step");
    assert.deepEqual([p.quarantined, p.warned], [[], []], "a heartbeat has no amount nor address, and is not malformed for that");
    assert.deepEqual(out.outcomes.map((o) => `${o.route} ${o.outcome} ${o.eventID}`), ["normal processed order"]);
    assert.deepEqual(out.heartbeats, [
      { route: "normal", eventID: "hb-normal-pending", latencyMs: 1500 },
      { route: "premium", eventID: "hb-premium-shipped", latencyMs: 1500 },
    ]);
    assert.deepEqual([out.perRoute.normal.heartbeats, out.perRoute.premium.heartbeats, out.counts.heartbeats], [1, 1, 3], "the prepare write is a heartbeat record, no route's heartbeat");
    assert.deepEqual([out.counts.processed, out.counts.skipped, out.counts.quarantined, out.counts.failed, out.counts.filtered], [1, 0, 0, 0, 0]);
    assert.deepEqual(out.latencies, [{ route: "normal", ms: 1500 }, { route: "normal", ms: 1500 }, { route: "premium", ms: 1500 }]);
  });

  it("another route's heartbeat passing this processor's filter is passed over quietly (no warning, no count for its routes)", async () => {
    const p = processor([normal]);
    const out = await processBatch([premiumBeat(), premiumPrepare()], p.deps);
    assert.deepEqual([out.heartbeats, out.outcomes, out.latencies, p.warned, p.ran], [[], [], [], [], []]);
    assert.deepEqual([out.perRoute.normal.heartbeats, out.counts.heartbeats, out.counts.filtered], [0, 2, 0]);
  });

  it("the deployed shell: a Heartbeats metric and latency values per route, a batch.heartbeats line, no batch.outcomes line", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, handlerTestEnvironment(normal));
    try {
      const handler = createHandler({ normal: { step: async () => assert.fail("a heartbeat never reaches the step"), metrics: { count: "OrdersAccepted", amount: "OrderAmountAccepted" } } });
      const { lines, result } = await captureStdout(() => handler([normalBeat(), premiumBeat()]));
      assert.deepEqual(result, { batchItemFailures: [] });
      const docs = lines.map((l) => JSON.parse(l));
      const emf = docs.filter((d) => d._aws);
      assert.equal(emf.length, 1);
      assert.equal(emf[0].Heartbeats, 1);
      assert.equal(typeof emf[0].ProcessingLatency, "number");
      assert.ok(!("OrdersAccepted" in emf[0]));
      assert.deepEqual(emf[0]._aws.CloudWatchMetrics[0].Metrics.find((m: { Name: string }) => m.Name === "ProcessingLatency"), { Name: "ProcessingLatency", Unit: "Milliseconds" });
      assert.deepEqual(docs.filter((d) => d.message === "batch.heartbeats").map((d) => d.heartbeats.map((h: { route: string; eventID: string }) => `${h.route} ${h.eventID}`)), [["normal hb-normal-pending"]]);
      assert.equal(docs.filter((d) => d.message === "batch.outcomes").length, 0);
      const done = docs.find((d) => d.message === "batch.done");
      assert.deepEqual([done.received, done.heartbeats, done.processed, done.filtered], [2, 2, 0, 0]);
    } finally {
      process.env = saved;
    }
  });
});

describe("route --jsonl and the canary's heartbeats (a real process: tests/readme.test.ts runs the README's own spelling)", function () {
  this.timeout(60000);
  it("a heartbeat record is `heartbeat` on every route whose filter passes it, named, never an order's outcome", async () => {
    const records = heartbeatRecordsPerPeriod(dev.routes.map(heartbeatPlanOf)).map((r, i) => ({ ...r.record, eventID: `hb-${i}` }));
    const lines = [...records, inserted({ amount: "250" }, "order")].map((r) => JSON.stringify(r)).join("\n");
    const ran = await sh("node cli/bin.js route --stack dev --jsonl", { stdin: `${lines}\n` });
    assert.equal(ran.code, 0, ran.stderr);
    // Per period: normal's beat (pending), premium's beat (pending → shipped), premium's prepare (shipped → pending).
    assert.deepEqual(ran.stdout.trim().split("\n").map((l) => JSON.parse(l)), [
      { eventID: "hb-0", routes: { normal: "heartbeat", premium: "filtered" }, heartbeat: "normal" },
      { eventID: "hb-1", routes: { normal: "heartbeat", premium: "heartbeat" }, heartbeat: "premium" },
      { eventID: "hb-2", routes: { normal: "heartbeat", premium: "filtered" }, heartbeat: "premium" },
      { eventID: "order", routes: { normal: "processed", premium: "filtered" } },
    ]);
  });
});
