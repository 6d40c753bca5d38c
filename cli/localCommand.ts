import { parseArgs } from "node:util";
import { checkExpectations, formatReport } from "../local/report";
import { StateClaim } from "../local/localState";
import { LocalPipeline, type RuntimeEvent } from "../local/runtime";
import { DEMO_SCENARIO, loadScenario, runStep, type Scenario } from "../local/scenario";
import type { Io } from "./io";

// `local`: the declared stack running on this machine (DynamoDB Local, local pipes, the
// deployed handler bundles, local SQS DLQs), driven by a scenario, ending with a report.


function describe(e: RuntimeEvent): string | undefined {
  const d = e.detail;
  switch (e.event) {
    case "order.processed":
      return `  ✓ ${d.processor}: ${d.message} ${d.orderId} (${d.status}, ${d.amount})`;
    case "order.rejected":
      return `  ✗ ${d.processor}: rejected ${d.orderId ?? d.eventID}, quarantined in the DLQ (${(d.reasons as string[] | undefined)?.join("; ")})`;
    case "order.failed":
      return `  ! ${d.processor}: ${d.orderId ?? d.eventID} failed: ${d.error}`;
    case "pipe.batch_failed":
      return Number(d.attempt) > Number(d.maximumRetryAttempts)
        ? undefined
        : `  ↻ ${d.pipe}: retry ${d.attempt} of ${d.maximumRetryAttempts} from ${d.firstKey} (${d.records} record(s))`;
    case "pipe.dead_lettered":
      return `  ☠ ${d.pipe}: ${d.records} record(s) from ${d.firstKey} dead-lettered (${d.condition}); the DLQ holds a pointer to them`;
    case "pipe.error":
      return `  ! ${d.pipe}: ${d.error}`;
    default:
      return undefined;
  }
}

export async function localCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { stack: { type: "string", default: "dev" }, scenario: { type: "string" }, watch: { type: "boolean" }, quiet: { type: "boolean" } },
    strict: true,
  });
  const stack = values.stack as string;
  const scenario: Scenario | undefined = values.scenario ? loadScenario(values.scenario) : values.watch ? undefined : loadScenario(DEMO_SCENARIO);
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const claim = values.watch ? StateClaim.claim(stack) : undefined;
  say(`orders-pipeline local: stack ${stack}${scenario ? `, scenario "${scenario.name}"` : ""}`);
  say("  starting DynamoDB Local, local SQS, the declared pipes and processors ...");
  const started = Date.now();
  const pipeline = await LocalPipeline.start({
    stack,
    faults: scenario?.faults,
    onEvent: (e) => {
      const line = values.quiet ? undefined : describe(e);
      if (line) say(line);
    },
  });
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    say(`  ready in ${Date.now() - started} ms: table ${pipeline.tableName} at ${pipeline.ddb.endpoint}, DLQs at ${pipeline.sqsLocal.endpoint}`);
    let problems: string[] = [];
    if (scenario) {
      say(`\n${scenario.name}: ${scenario.steps.length} steps`);
      for (const step of scenario.steps) {
        if (interrupted) break;
        await runStep(step, pipeline.dynamo, pipeline.tableName, (orderId, at) => pipeline.recordWrite(orderId, at));
      }
      await pipeline.settle({ timeoutMs: 90000 });
      say(`\nreport (stack ${stack})\n${formatReport(pipeline.report())}`);
      problems = checkExpectations(scenario, pipeline.report());
      if (problems.length > 0) say(`\nnot as expected:\n  - ${problems.join("\n  - ")}`);
      else if (scenario.expect) say(`\nthe story ran as expected ✓ (${Math.round((Date.now() - started) / 100) / 10} s)`);
    }
    if (values.watch) {
      claim?.ready({ dynamodbEndpoint: pipeline.ddb.endpoint, sqsEndpoint: pipeline.sqsLocal.endpoint, tableName: pipeline.tableName, streamArn: pipeline.streamArn });
      say(`\nwatching: write orders and watch the processors react (Ctrl-C to stop)`);
      say(`  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws dynamodb put-item --endpoint-url ${pipeline.ddb.endpoint} --region us-east-1 \\`);
      say(`    --table-name ${pipeline.tableName} --item '{"orderId":{"S":"o-1"},"orderStatus":{"S":"pending"},"orderAmount":{"N":"250"},"customerEmail":{"S":"ann@example.com"}}'`);
      say(`  dead letters: npm run --silent cli -- dlq list --stack ${stack} --local`);
      while (!interrupted) await new Promise((r) => setTimeout(r, 200));
      say(`\nreport (stack ${stack})\n${formatReport(pipeline.report())}`);
    }
    return problems.length > 0 ? 1 : interrupted && !values.watch ? 130 : 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    claim?.release();
    await pipeline.stop();
  }
}
