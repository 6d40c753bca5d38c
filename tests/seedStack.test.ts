import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluateProgram } from "../local/evaluateProgram";
import { declaredSnapshot } from "./support/declaredSnapshot";

// The seed's two routes deploy as they did before routes became data: the same resources,
// names and settings in dev and prod, compared with what the program declared then
// (tests/fixtures/seed-stack/, recorded from commit cafefc1 under the same mocks). Left aside:
// the Lambda code (a bundle changes with any handler source) and the tag naming what the
// bundle was built from (then a handler file per route, now the routes' business steps).
// Since then, on purpose and only these: effects that happen once (the idempotency table, a
// policy per processor to use it, its name in the processors' environment, the repeats on the
// dashboard); and issue 18's DLQ work (the DLQs at SQS's 1 MiB, an alarm per route for records
// quarantined by reference, the retrying alarm and the dashboard on every partial-failure
// metric of a pipe, the errors alarm saying why a failing head of batch throws); end-to-end
// liveness (issue 18 §2: the canary's schedule group, role, write policy and schedules, each
// route's heartbeat and latency alarms, the dashboard's liveness section below the pipes'
// sections, which stay where they were); and the processors' ORDERS_IN_FLIGHT (orders:ordersInFlight,
// concurrent orders in a batch).

const BUNDLE_TAG = "orders:handler";

/** What effects-that-happen-once added to the seed's stacks, each resource by type and name. */
const ADDED_FOR_EFFECTS_ONCE = [
  "orders:storage:IdempotencyTable OrderEffects",
  "aws:dynamodb/table:Table OrderEffects",
  "aws:iam/rolePolicy:RolePolicy NormalOrdersProcessor-idempotency-policy",
  "aws:iam/rolePolicy:RolePolicy PremiumOrdersProcessor-idempotency-policy",
];

/** What issue 18's DLQ work added, each resource by type and name. */
const ADDED_FOR_DLQ = ["aws:cloudwatch/metricAlarm:MetricAlarm NormalOrders-quarantined-by-reference-alarm", "aws:cloudwatch/metricAlarm:MetricAlarm PremiumOrders-quarantined-by-reference-alarm"];
/** The metrics it added to the dashboard and to the retrying alarm (and effects-once's repeats). */
const DLQ_METRICS = new Set(["RepeatsSuppressed", "TargetStagePartiallyFailed", "RecordsQuarantinedByReference"]);
const DLQ_ALARM_QUERIES = new Set(["targetFailed", "targetPartial", "retrying"]);

/** What liveness (the canary and its alarms) added to the seed's stacks: the seed's routes are normal (one write a period) and premium (a transition: two). */
const ADDED_FOR_LIVENESS = [
  "orders:monitoring:Canary OrdersCanary",
  "aws:scheduler/scheduleGroup:ScheduleGroup OrdersCanary",
  "aws:iam/role:Role OrdersCanary-role",
  "aws:iam/rolePolicy:RolePolicy OrdersCanary-write-policy",
  "aws:scheduler/schedule:Schedule OrdersCanary-normal-beat",
  "aws:scheduler/schedule:Schedule OrdersCanary-premium-beat",
  "aws:scheduler/schedule:Schedule OrdersCanary-premium-prepare",
  "orders:monitoring:LivenessAlarms NormalOrders",
  "aws:cloudwatch/metricAlarm:MetricAlarm NormalOrders-heartbeat-alarm",
  "aws:cloudwatch/metricAlarm:MetricAlarm NormalOrders-latency-alarm",
  "orders:monitoring:LivenessAlarms PremiumOrders",
  "aws:cloudwatch/metricAlarm:MetricAlarm PremiumOrders-heartbeat-alarm",
  "aws:cloudwatch/metricAlarm:MetricAlarm PremiumOrders-latency-alarm",
];

const ADDED = [...ADDED_FOR_EFFECTS_ONCE, ...ADDED_FOR_DLQ, ...ADDED_FOR_LIVENESS];

/** The liveness section's widgets: its title line, and every widget below it. */
function livenessSectionTop(widgets: { type: string; y: number; properties: { markdown?: string } }[]): number {
  const header = widgets.find((w) => w.type === "text" && w.properties.markdown?.startsWith("## Liveness:"));
  assert.ok(header, "the dashboard has a liveness section");
  return header.y;
}

/** The snapshot without the bundle tag and without what later work added on purpose (above). */
function comparable(resources: ReturnType<typeof declaredSnapshot>): unknown[] {
  return resources
    .filter((r) => !ADDED.includes(`${r.type} ${r.name}`))
    .map((r) => {
      const state = r.state as Record<string, any>;
      if (r.type === "aws:cloudwatch/dashboard:Dashboard") {
        const body = JSON.parse(state.dashboardBody);
        // The seed's recorded dashboard has no liveness section; when this one has it, it starts below every pipe's.
        if (body.widgets.some((w: { properties?: { markdown?: string } }) => w.properties?.markdown?.startsWith("## Liveness:"))) {
          const top = livenessSectionTop(body.widgets);
          assert.ok(body.widgets.every((w: { y: number; height: number }) => w.y >= top || w.y + w.height <= top), "the liveness section is below the pipes' sections");
          body.widgets = body.widgets.filter((w: { y: number }) => w.y < top);
        }
        for (const w of body.widgets) {
          if (Array.isArray(w.properties?.metrics)) w.properties.metrics = w.properties.metrics.filter((m: unknown[]) => !DLQ_METRICS.has(m[1] as string));
        }
        return { ...r, state: { ...state, dashboardBody: JSON.stringify(body) } };
      }
      if (r.type === "aws:sqs/queue:Queue") {
        const { maxMessageSize: _oneMib, ...rest } = state;
        return { ...r, state: rest };
      }
      if (r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && /-(retrying|errors)-alarm$/.test(r.name)) {
        const { alarmDescription: _words, metricQueries, ...rest } = state;
        return { ...r, state: { ...rest, metricQueries: metricQueries?.filter((q: { id: string }) => !DLQ_ALARM_QUERIES.has(q.id)) } };
      }
      if (r.type !== "aws:lambda/function:Function") return r;
      const tags = { ...state.tags };
      assert.ok(typeof tags[BUNDLE_TAG] === "string", `${r.name} names its bundle's source in ${BUNDLE_TAG}`);
      delete tags[BUNDLE_TAG];
      const variables = { ...state.environment.variables };
      delete variables.ORDERS_IDEMPOTENCY_TABLE;
      // orders:ordersInFlight, how many of a batch's orders a processor handles at once (16 in both stacks).
      assert.equal(variables.ORDERS_IN_FLIGHT ?? "16", "16", `${r.name}: ORDERS_IN_FLIGHT`);
      delete variables.ORDERS_IN_FLIGHT;
      return { ...r, state: { ...state, tags, environment: { ...state.environment, variables } } };
    });
}

describe("the seed's stacks deploy as before routes were data", function () {
  this.timeout(60000);
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: every resource, name and setting as recorded`, async () => {
      const before = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "seed-stack", `${stack}.json`), "utf8"));
      const now = declaredSnapshot(await evaluateProgram(stack));
      const added = now.map((r) => `${r.type} ${r.name}`).filter((r) => !before.some((b: { type: string; name: string }) => `${b.type} ${b.name}` === r));
      assert.deepEqual(added.sort(), [...ADDED].sort(), "nothing added but what effects-that-happen-once, the DLQ work and liveness need");
      assert.deepEqual(comparable(now), comparable(before));
    });
  }

  it("the stack outputs keep their names: one per seed route, plus the table, topic and dashboard (and, since, the idempotency table)", async () => {
    const { outputs } = await evaluateProgram("dev");
    assert.deepEqual(Object.keys(outputs).sort(), ["alarmTopicArn", "dashboardName", "idempotencyTableName", "normal", "premium", "stack", "streamArn", "tableArn", "tableName"]);
    assert.deepEqual(Object.keys(outputs.normal).sort(), ["dlqArn", "dlqName", "dlqUrl", "pipeArn", "pipeName", "processorArn", "processorName"]);
    assert.equal(outputs.normal.pipeName, "NormalOrdersPipe-dev");
  });
});
