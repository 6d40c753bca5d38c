import { parseArgs } from "node:util";
import { Interrupts } from "../local/interrupts";
import { StateClaim } from "../local/localState";
import { checkExpectations, formatReport } from "../local/report";
import { checkReportPath, reportJson, writeReportJson } from "../local/reportJson";
import { LocalPipeline, type RuntimeEvent } from "../local/runtime";
import { DEMO_SCENARIO, loadScenario, type Scenario } from "../local/scenario";
import { runScenario, ScenarioStepError } from "../local/scenarioRunner";
import { CONFIG_OPTION, configOverrides } from "./args";
import type { Io } from "./io";
import { resolveStack } from "./stackConfig";

// `local`: the declared stack running on this machine (DynamoDB Local, local pipes, the
// deployed handler bundles, local SQS DLQs), driven by a scenario, ending with a report.
//
// Stopping: the first Ctrl-C stops the scenario and the pipes at once (no retry starts, an
// invocation in flight ends), prints the report of what ran and exits 130 (0 for --watch,
// whose normal end it is); a second Ctrl-C exits at once. DynamoDB Local never outlives the
// command (dynamoLocal.ts), and a --watch stack runs once per stack (localState.ts).

function describe(e: RuntimeEvent, showHeartbeats = false): string | undefined {
  const d = e.detail;
  switch (e.event) {
    // The canary is quiet unless asked, or unless a route's heartbeats stop (local/canary.ts).
    case "canary.heartbeat":
      return showHeartbeats ? `  ♥ ${d.route}: heartbeat${typeof d.latencyMs === "number" ? ` (write → processed ${Math.round(d.latencyMs)} ms)` : ""}` : undefined;
    case "canary.silent":
      return `  ! canary: no heartbeat reached route ${d.route} in ${d.rounds} rounds (${d.minutes} min): its pipe or processor has stopped moving`;
    case "canary.back":
      return `  ♥ canary: route ${d.route}'s heartbeats arrive again`;
    case "canary.error":
      return `  ! canary: ${d.schedule} failed: ${d.error}`;
    case "order.processed":
      return d.repeat ? `  = ${d.route}: ${d.orderId ?? d.eventID} (${d.status}) already done: repeat suppressed` : `  ✓ ${d.route}: processed ${d.orderId ?? d.eventID} (${d.status})`;
    case "order.skipped":
      return `  · ${d.route}: skipped ${d.orderId ?? d.eventID} (${d.status}): ${d.reason}`;
    case "order.rejected":
      return `  ✗ ${d.route}: rejected ${d.orderId ?? d.eventID}, quarantined in the DLQ (${d.reason})`;
    case "order.failed":
      return `  ! ${d.route}: ${d.orderId ?? d.eventID} failed: ${d.reason}`;
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

/** The options of `local`; each is documented in cli/help.ts. */
export const LOCAL_OPTIONS = {
  stack: { type: "string", default: "dev" },
  scenario: { type: "string" },
  watch: { type: "boolean" },
  quiet: { type: "boolean" },
  "report-json": { type: "string" },
  canary: { type: "boolean" },
  "show-heartbeats": { type: "boolean" },
  ...CONFIG_OPTION,
} as const;

export async function localCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: LOCAL_OPTIONS, strict: true });
  const stack = values.stack as string;
  // Everything that can be checked is checked before anything starts.
  const resolved = resolveStack(stack, { overrides: configOverrides(values.config), warn: (line) => io.stderr.write(`${line}\n`) });
  resolved.settings();
  const scenario: Scenario | undefined = values.scenario ? loadScenario(values.scenario) : values.watch ? undefined : loadScenario(DEMO_SCENARIO);
  const jsonFile = values["report-json"];
  if (jsonFile !== undefined) checkReportPath(jsonFile);
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const startedAt = new Date();
  let pipeline: LocalPipeline | undefined;
  const writeJson = () => {
    if (jsonFile && pipeline) {
      writeReportJson(jsonFile, reportJson({ stack, scenario: scenario?.name ?? null, startedAt, endedAt: new Date() }, pipeline.report()));
    }
  };
  // Claimed before anything starts: a second --watch of the stack is refused at once.
  const claim = values.watch ? StateClaim.claim(stack) : undefined;
  const interrupts = new Interrupts({
    onFirst: () => {
      say(`\ninterrupted: stopping (press Ctrl-C again to exit at once)`);
      writeJson(); // in case the orderly stop does not get to the end
    },
  }).install();
  const stopped = () => interrupts.signal.aborted;
  try {
    say(`orders-pipeline local: stack ${stack}${scenario ? `, scenario "${scenario.name}"` : ""}`);
    say("  starting DynamoDB Local, local SQS, the declared pipes and processors ...");
    pipeline = await LocalPipeline.start({
      stack,
      config: resolved.config,
      faults: scenario?.faults,
      canary: values.watch === true || values.canary === true,
      onEvent: (e) => {
        const line = values.quiet || stopped() ? undefined : describe(e, values["show-heartbeats"] === true);
        if (line) say(line);
      },
    });
    const running = pipeline;
    say(`  ready in ${Date.now() - startedAt.getTime()} ms: table ${running.tableName} at ${running.ddb.endpoint}, DLQs at ${running.sqsLocal.endpoint}`);
    const report = async () => {
      if (stopped()) await running.halt(); // final counts: nothing moves any more
      say(`\nreport (stack ${stack})\n${formatReport(running.report())}`);
      writeJson();
    };

    let problems: string[] = [];
    let stepError: ScenarioStepError | undefined;
    if (scenario && !stopped()) {
      say(`\n${scenario.name}: ${scenario.steps.length} steps`);
      let written = 0;
      try {
        written = (await runScenario(scenario, { client: running.dynamo, tableName: running.tableName, onWrite: (id, at) => running.recordWrite(id, at), signal: interrupts.signal })).written;
      } catch (err) {
        if (!(err instanceof ScenarioStepError)) throw err;
        stepError = err;
        io.stderr.write(`orders-pipeline: ${err.message}\n`);
        say(`\nthe scenario stopped at steps[${err.index}] (DynamoDB refused the write); the report shows what ran before it`);
      }
      // What was written still flows through the pipes, unless we are told to stop.
      await running.settle({ timeoutMs: 90000, signal: interrupts.signal });
      await report();
      if (stopped()) {
        say(`\nthe run was interrupted${stepError ? "" : ` after ${written} of ${scenario.steps.filter((x) => !("wait" in x)).length} writes`}; the report shows what ran`);
      } else if (!stepError) {
        problems = checkExpectations(scenario, running.report());
        if (problems.length > 0) say(`\nnot as expected:\n  - ${problems.join("\n  - ")}`);
        else if (scenario.expect) say(`\nthe story ran as expected ✓ (${Math.round((Date.now() - startedAt.getTime()) / 100) / 10} s)`);
      }
    }
    if (values.watch && !stopped() && !stepError) {
      claim?.ready({ dynamodbEndpoint: running.ddb.endpoint, sqsEndpoint: running.sqsLocal.endpoint, tableName: running.tableName, streamArn: running.streamArn });
      say(`\nwatching: write orders and watch the processors react (Ctrl-C to stop)`);
      say(`  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws dynamodb put-item --endpoint-url ${running.ddb.endpoint} --region us-east-1 \\`);
      say(`    --table-name ${running.tableName} --item '{"orderId":{"S":"o-1"},"orderStatus":{"S":"pending"},"orderAmount":{"N":"250"},"customerEmail":{"S":"ann@example.com"}}'`);
      say(`  dead letters: npm run --silent cli -- dlq list --stack ${stack} --local`);
      const canary = running.plan.canary;
      if (canary && !values["show-heartbeats"]) say(`  canary: each route's heartbeat every ${canary.periodMinutes} min, quietly (a line if a route's stop; --show-heartbeats for one each)`);
      await new Promise<void>((resolve) => (stopped() ? resolve() : interrupts.signal.addEventListener("abort", () => resolve(), { once: true })));
      await report();
      return interrupts.exitCode; // Ctrl-C is how a --watch run ends: by the signal, as any program (cli/main.ts)
    }
    if (!scenario) await report(); // --watch interrupted while starting
    if (stepError) return 2;
    if (stopped()) return interrupts.exitCode;
    return problems.length > 0 ? 1 : 0;
  } catch (err) {
    writeJson();
    throw err;
  } finally {
    claim?.release();
    await pipeline?.stop();
    // Until everything is stopped, a second Ctrl-C still exits at once.
    interrupts.uninstall();
  }
}
