import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadStackFileSettings } from "../config/stackFile";
import { BATCH_METRICS, LIVENESS_METRICS, METRICS_NAMESPACE, QUARANTINED_BY_REFERENCE_METRIC } from "../handlers/constants";
import { createHandler } from "../handlers/lambda";
import { bundleProcessor } from "../infra/bundle";
import { catalogProblem, METRIC_CATALOG } from "../infra/metricCatalog";
import { dlqAgeAlarmThresholdSeconds } from "../infra/routeAlarms";
import { type DeclaredResource, type DeclaredStack, evaluateProgram } from "../local/evaluateProgram";
import { metricsServiceName } from "../routing/route";
import { metricsOf, routeNamed, routesFromSettings } from "../routing/stackRoutes";

/** Each seed route's processed-order metrics, as routing/routes.ts declares them. */
const BUSINESS_METRICS = { normal: metricsOf("normal"), premium: metricsOf("premium") };
import { captureStdout } from "./support/capture";
import { inserted, modified } from "./support/records";
import { handlerTestEnvironment } from "./support/handlerEnv";

// The dashboard and the alarms of both stacks, as the program declares them, and the metrics
// the processors really emit, all checked against infra/metricCatalog.ts.

const ROUTES = [
  { route: "normal", prefix: "Normal" },
  { route: "premium", prefix: "Premium" },
] as const;

function find(stack: DeclaredStack, type: string, name: string): DeclaredResource {
  const hit = stack.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(hit.length, 1, `expected one ${type} named ${name}, found ${hit.length}`);
  return hit[0];
}

type MetricUse = { where: string; namespace: string; metricName: string; dimensions: Record<string, string> };

/** Every metric an alarm watches, its metric math included. */
function alarmMetrics(stack: DeclaredStack): MetricUse[] {
  return stack.resources
    .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
    .flatMap((a) => {
      const s = a.state;
      if (s.metricQueries) {
        return s.metricQueries.filter((q: { metric?: unknown }) => q.metric).map((q: { metric: { namespace: string; metricName: string; dimensions: Record<string, string> } }) => ({ where: a.name, ...q.metric }));
      }
      return [{ where: a.name, namespace: s.namespace, metricName: s.metricName, dimensions: s.dimensions }];
    });
}

/** Every metric a dashboard widget graphs: [Namespace, MetricName, Dim, Value, ..., options?]. */
function dashboardMetrics(stack: DeclaredStack): MetricUse[] {
  const body = JSON.parse(find(stack, "aws:cloudwatch/dashboard:Dashboard", "OrdersPipeline").state.dashboardBody);
  const uses: MetricUse[] = [];
  for (const w of body.widgets.filter((x: { type: string }) => x.type === "metric")) {
    for (const line of w.properties.metrics as unknown[][]) {
      if (typeof line[0] !== "string") continue; // an expression
      const names = line.filter((x) => typeof x === "string") as string[];
      const [namespace, metricName, ...pairs] = names;
      assert.equal(pairs.length % 2, 0, `${w.properties.title}: dimensions come in name/value pairs`);
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i]] = pairs[i + 1];
      uses.push({ where: `widget "${w.properties.title}"`, namespace, metricName, dimensions });
    }
  }
  return uses;
}

describe("monitoring", () => {
  const stacks: Record<string, DeclaredStack> = {};
  before(async () => {
    stacks.dev = await evaluateProgram("dev");
    stacks.prod = await evaluateProgram("prod");
  });

  describe("the metric catalog", () => {
    it("cites an AWS or Powertools page for every metric", () => {
      for (const m of METRIC_CATALOG) assert.match(m.source, /^https:\/\/docs\.aws\.amazon\.com\//, `${m.namespace} ${m.metricName}`);
    });

    // [namespace, metric, dimensions, accepted] — by hand from the AWS pages.
    const cases: [string, string, string[], boolean][] = [
      ["AWS/EventBridge/Pipes", "ExecutionPartiallyFailed", ["PipeName"], true],
      ["AWS/EventBridge/Pipes", "TargetStagePartiallyFailed", ["PipeName"], true],
      ["AWS/EventBridge/Pipes", "TargetStagePartiallyFailed", ["AwsAccountId"], false],
      ["AWS/EventBridge/Pipes", "ExecutionsFailed", ["PipeName"], false],
      ["AWS/EventBridge/Pipes", "ExecutionFailed", ["FunctionName"], false],
      ["AWS/Lambda", "Errors", ["FunctionName"], true],
      ["AWS/Lambda", "Error", ["FunctionName"], false],
      ["AWS/SQS", "ApproximateAgeOfOldestMessage", ["QueueName"], true],
      ["AWS/SQS", "ApproximateAgeOfOldestMessage", ["QueueUrl"], false],
      ["OrdersPipeline", "RecordsFailed", ["service"], true],
      ["OrdersPipeline", "RecordsQuarantinedByReference", ["service"], true],
      ["OrdersPipeline", "RecordsFailed", ["service", "function_name"], false],
      ["Orders", "RecordsFailed", ["service"], false],
    ];
    for (const [namespace, metric, dims, accepted] of cases) {
      it(`${accepted ? "accepts" : "refuses"} ${namespace} ${metric} by ${dims.join(", ")}`, () => {
        assert.equal(catalogProblem(namespace, metric, dims) === undefined, accepted, catalogProblem(namespace, metric, dims));
      });
    }
  });

  for (const stackName of ["dev", "prod"]) {
    describe(`the ${stackName} stack`, () => {
      it("uses only catalogued namespaces, metric names and dimensions, in alarms and on the dashboard", () => {
        const uses = [...alarmMetrics(stacks[stackName]), ...dashboardMetrics(stacks[stackName])];
        assert.ok(uses.length > 40, `only ${uses.length} metric uses found`);
        const problems = uses.map((u) => [u.where, catalogProblem(u.namespace, u.metricName, Object.keys(u.dimensions))]).filter(([, p]) => p);
        assert.deepEqual(problems, []);
      });

      for (const { route, prefix } of ROUTES) {
        it(`${route}: alarms on pipe and processor failures, throws and timeouts, DLQ messages and their age, each notifying the topic`, () => {
          const s = stacks[stackName];
          const topic = find(s, "aws:sns/topic:Topic", "OrdersAlarms").state.arn;
          const pipeName = `${prefix}OrdersPipe-${stackName}`;
          const fn = find(s, "aws:lambda/function:Function", `${prefix}OrdersProcessor`).state.name;
          const queue = find(s, "aws:sqs/queue:Queue", `${prefix}OrdersProcessor-dlq`).state.name;
          const logGroup = find(s, "aws:cloudwatch/logGroup:LogGroup", `${prefix}OrdersProcessor-logs`).state.name;
          const alarm = (kind: string) => find(s, "aws:cloudwatch/metricAlarm:MetricAlarm", `${prefix}Orders-${kind}-alarm`).state;
          for (const kind of ["retrying", "errors", "dlq-messages", "dlq-age", "quarantined-by-reference"]) {
            const a = alarm(kind);
            assert.deepEqual([a.alarmActions, a.okActions, a.comparisonOperator, a.treatMissingData, a.evaluationPeriods], [[topic], [topic], "GreaterThanThreshold", "notBreaching", 1], kind);
          }

          // Retrying: what AWS reports for the pipe, and what the processor reports; not Lambda's Errors.
          const retrying = alarm("retrying");
          assert.equal(retrying.threshold, 0);
          assert.deepEqual(
            retrying.metricQueries.map((q: { id: string; metric?: { namespace: string; metricName: string; dimensions: unknown; stat: string; period: number }; expression?: string }) =>
              q.metric ? [q.id, q.metric.namespace, q.metric.metricName, q.metric.dimensions, q.metric.stat, q.metric.period] : [q.id, q.expression],
            ),
            [
              ["failed", "AWS/EventBridge/Pipes", "ExecutionFailed", { PipeName: pipeName }, "Sum", 60],
              ["partial", "AWS/EventBridge/Pipes", "ExecutionPartiallyFailed", { PipeName: pipeName }, "Sum", 60],
              ["targetFailed", "AWS/EventBridge/Pipes", "TargetStageFailed", { PipeName: pipeName }, "Sum", 60],
              ["targetPartial", "AWS/EventBridge/Pipes", "TargetStagePartiallyFailed", { PipeName: pipeName }, "Sum", 60],
              ["records", "OrdersPipeline", "RecordsFailed", { service: metricsServiceName(route) }, "Sum", 60],
              ["retrying", "FILL(failed, 0) + FILL(partial, 0) + FILL(targetFailed, 0) + FILL(targetPartial, 0) + FILL(records, 0)"],
            ],
          );
          assert.match(retrying.alarmDescription, new RegExp(`^${pipeName} is retrying records on the ${route} route \\(stack ${stackName}\\)`));
          assert.ok(retrying.alarmDescription.includes(`First: aws logs tail ${logGroup} --since 30m`), retrying.alarmDescription);
          assert.ok(retrying.alarmDescription.includes(`npx orders-pipeline dlq list --stack ${stackName} --route ${route}`));

          // Errors: only throws and timeouts, and it says so.
          const errors = alarm("errors");
          assert.deepEqual([errors.namespace, errors.metricName, errors.dimensions, errors.statistic, errors.threshold], ["AWS/Lambda", "Errors", { FunctionName: fn }, "Sum", 0]);
          assert.match(errors.alarmDescription, /threw or timed out .*one that fails first in its batch fails the invocation on purpose, so that the pipe halves the batch/);

          const messages = alarm("dlq-messages");
          assert.deepEqual([messages.namespace, messages.metricName, messages.dimensions, messages.statistic, messages.threshold], ["AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: queue }, "Maximum", 0]);
          assert.match(messages.alarmDescription, new RegExp(`First: npx orders-pipeline dlq list --stack ${stackName} --route ${route}\\.$`));

          const age = alarm("dlq-age");
          assert.deepEqual([age.namespace, age.metricName, age.dimensions, age.statistic, age.period], ["AWS/SQS", "ApproximateAgeOfOldestMessage", { QueueName: queue }, "Maximum", 300]);
          assert.match(age.alarmDescription, new RegExp(`dlq redrive --stack ${stackName} --route ${route}\\.$`));

          // A record too large for a message is only in the stream (24 h) and, as it is now, in the table.
          const byReference = alarm("quarantined-by-reference");
          assert.equal(byReference.threshold, 0);
          assert.deepEqual(
            byReference.metricQueries.map((q: { id: string; metric?: { namespace: string; metricName: string; dimensions: unknown; stat: string; period: number }; expression?: string }) =>
              q.metric ? [q.id, q.metric.namespace, q.metric.metricName, q.metric.dimensions, q.metric.stat, q.metric.period] : [q.id, q.expression],
            ),
            [
              ["byReference1", "OrdersPipeline", QUARANTINED_BY_REFERENCE_METRIC, { service: metricsServiceName(route) }, "Sum", 300],
              ["byReference", "FILL(byReference1, 0)"],
            ],
          );
          assert.match(byReference.alarmDescription, /only in the stream, for 24 h after it was written/);
          assert.ok(byReference.alarmDescription.includes(`npx orders-pipeline dlq show --stack ${stackName} --message ID`), byReference.alarmDescription);
        });
      }

      it("the DLQ-age alarm fires while a pointer's records are still in the stream (24 h from when they were written)", () => {
        const settings = loadStackFileSettings(stackName);
        const age = find(stacks[stackName], "aws:cloudwatch/metricAlarm:MetricAlarm", "NormalOrders-dlq-age-alarm").state;
        // Worst case: the pointer arrives when the records reach the record age; the alarm
        // needs its threshold plus one 5-minute period to fire.
        const firesAfterWrite = settings.maxRecordAgeSeconds + age.threshold + age.period;
        assert.ok(firesAfterWrite <= 86400 - 1800, `fires ${firesAfterWrite} s after the write, too close to 86400`);
      });

      it("the dashboard graphs, per route, the pipe's, the processor's and the DLQ's metrics under their deployed names", () => {
        const s = stacks[stackName];
        const uses = dashboardMetrics(s);
        for (const { route, prefix } of ROUTES) {
          const fn = find(s, "aws:lambda/function:Function", `${prefix}OrdersProcessor`).state.name;
          const queue = find(s, "aws:sqs/queue:Queue", `${prefix}OrdersProcessor-dlq`).state.name;
          const graphed = (namespace: string, dims: Record<string, string>) =>
            new Set(uses.filter((u) => u.namespace === namespace && JSON.stringify(u.dimensions) === JSON.stringify(dims)).map((u) => u.metricName));
          const expect = (namespace: string, dims: Record<string, string>, names: string[]) =>
            assert.deepEqual([...graphed(namespace, dims)].sort(), [...names].sort(), `${route}: ${namespace}`);
          expect("AWS/EventBridge/Pipes", { PipeName: `${prefix}OrdersPipe-${stackName}` }, [
            "EventCount", "ExecutionFailed", "ExecutionPartiallyFailed", "ExecutionThrottled", "ExecutionTimeout", "TargetStageDuration", "TargetStageFailed",
            "TargetStagePartiallyFailed",
          ]);
          expect("AWS/Lambda", { FunctionName: fn }, ["Invocations", "Errors", "Duration", "Throttles"]);
          expect("AWS/SQS", { QueueName: queue }, ["ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"]);
          expect(METRICS_NAMESPACE, { service: metricsServiceName(route) }, [...BATCH_METRICS, QUARANTINED_BY_REFERENCE_METRIC, BUSINESS_METRICS[route].count, BUSINESS_METRICS[route].amount, ...Object.values(LIVENESS_METRICS)]);
        }
      });

      it("the dashboard's expressions only name metrics of their own widget", () => {
        const body = JSON.parse(find(stacks[stackName], "aws:cloudwatch/dashboard:Dashboard", "OrdersPipeline").state.dashboardBody);
        let expressions = 0;
        for (const w of body.widgets.filter((x: { type: string }) => x.type === "metric")) {
          const lines = w.properties.metrics as unknown[][];
          const ids = new Set(lines.map((l) => (l[l.length - 1] as { id?: string })?.id).filter(Boolean));
          for (const l of lines.filter((x) => typeof x[0] !== "string")) {
            expressions++;
            const refs = ((l[0] as { expression: string }).expression.match(/\b[a-z][A-Za-z0-9_]*\b/g) ?? []).filter((t) => t !== "FILL");
            for (const r of refs) assert.ok(ids.has(r), `${w.properties.title}: ${r} is not a metric id of the widget`);
          }
          assert.equal(w.properties.region, "us-east-1");
        }
        assert.equal(expressions, 2, "one success-rate expression per route");
      });
    });
  }

  describe("the DLQ-age alarm threshold", () => {
    // [maxRecordAgeSeconds, threshold] — by hand: half of what 24 h minus the record age leaves.
    const cases: [number, number][] = [
      [3600, 41400],
      [43200, 21600],
      [82800, 1800],
    ];
    for (const [age, threshold] of cases) {
      it(`record age ${age} s → alarm after ${threshold} s`, () => assert.equal(dlqAgeAlarmThresholdSeconds(age), threshold));
    }
  });

  describe("what the processors emit (embedded metric format)", () => {
    const declared = routesFromSettings(loadStackFileSettings("dev"));
    const routes = { normal: routeNamed(declared, "normal"), premium: routeNamed(declared, "premium") };

    /** Runs a batch through a handler with the route's deployed environment; returns its EMF documents. */
    async function emf(route: "normal" | "premium", run: () => Promise<unknown>): Promise<{ lines: string[]; docs: Record<string, any>[] }> {
      const saved = { ...process.env };
      Object.assign(process.env, handlerTestEnvironment(routes[route]));
      try {
        const { lines } = await captureStdout(run);
        return { lines, docs: lines.map((l) => JSON.parse(l)).filter((d) => d._aws) };
      } finally {
        process.env = saved;
      }
    }

    for (const { route } of ROUTES) {
      it(`${route}: the deployed bundle's metrics are catalogued, carry only the service dimension, and are finite numbers`, async () => {
        const dir = path.join(__dirname, "..", "node_modules", ".cache", "orders-tests");
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `${route}-emf-${process.pid}.js`);
        const step = route === "normal" ? "acceptOrder" : "shipPremiumOrder";
        fs.writeFileSync(file, bundleProcessor([{ route, step, metrics: BUSINESS_METRICS[route] }]).code);
        const good = (id: string, amount: string) => (route === "normal" ? inserted({ amount }, id) : modified("pending", { amount }, id));
        try {
          const { lines, docs } = await emf(route, async () => {
            const mod = require(file) as { handler: (p: unknown) => Promise<unknown> };
            // The largest amount DynamoDB stores, a guarded one, and (last) one DynamoDB cannot
            // store, whose quarantine send fails (no SQS here) and so counts as failed.
            await mod.handler([good("e1", "9.9999999999999999999999999999999999999E+125"), good("e2", "1"), good("e3", "1e400")]);
          });
          assert.equal(docs.length, 1, lines.join("\n"));
          const doc = docs[0];
          const [directive] = doc._aws.CloudWatchMetrics;
          assert.equal(directive.Namespace, METRICS_NAMESPACE);
          assert.deepEqual(directive.Dimensions, [["service"]]);
          assert.equal(doc.service, metricsServiceName(route));
          const names = directive.Metrics.map((m: { Name: string }) => m.Name).sort();
          // Every record handled (processed, skipped, rejected) has its latency; no heartbeat here.
          assert.deepEqual(names, [...BATCH_METRICS, BUSINESS_METRICS[route].count, BUSINESS_METRICS[route].amount, LIVENESS_METRICS.latency].sort());
          for (const name of names) {
            assert.equal(catalogProblem(directive.Namespace, name, directive.Dimensions[0]), undefined);
            for (const v of [doc[name]].flat()) assert.ok(typeof v === "number" && Number.isFinite(v), `${name} is ${JSON.stringify(doc[name])}`);
          }
          assert.deepEqual([doc.RecordsSkippedByGuard, doc.RecordsQuarantined, doc.RecordsFailed], [1, 0, 1]);
          assert.ok(!lines.some((l) => l.includes("null")), "no null anywhere in the EMF output");
        } finally {
          fs.rmSync(file, { force: true });
        }
      });
    }

    it("a business step that reports a non-finite amount gets a warning, never a null metric", async () => {
      // Powertools writes warnings to stderr.
      let warnings = "";
      const stderr = process.stderr.write;
      process.stderr.write = ((chunk: string) => ((warnings += chunk), true)) as typeof process.stderr.write;
      let out: Awaited<ReturnType<typeof emf>>;
      try {
        out = await emf("normal", async () => {
          const handler = createHandler({ normal: { step: async (_order, { metrics }) => metrics.amount("OrderAmountRefunded", Infinity), metrics: BUSINESS_METRICS.normal } });
          await handler([inserted({ amount: "250" }, "n1")]);
        });
      } finally {
        process.stderr.write = stderr;
      }
      assert.equal(out.docs.length, 1);
      assert.ok(!("OrderAmountRefunded" in out.docs[0]), "the non-finite amount is not emitted");
      assert.ok(!out.lines.some((l) => l.includes("null")));
      assert.match(warnings, /"message":"metric\.not_finite".*"metric":"OrderAmountRefunded"/);
    });
  });
});
