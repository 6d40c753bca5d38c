import { parseArgs } from "node:util";
import { LOCAL_CREDENTIALS, LOCAL_REGION, PortInUse } from "../local/dynamoLocal";
import { Interrupts } from "../local/interrupts";
import { redriveLogOf, StateClaim } from "../local/localState";
import { followRedrives } from "../local/redriveLog";
import { checkExpectations, formatReport } from "../local/report";
import { checkReportPath, reportJson, writeReportJson } from "../local/reportJson";
import { LocalPipeline, type RuntimeEvent } from "../local/runtime";
import { describe, kindOf, showKinds } from "./liveLines";
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

/** Exit status of a run stopped because its output was closed (a reader such as `head` left): 128 + SIGPIPE, as a shell reports a process ended by it. */
const OUTPUT_CLOSED = 141;
/** Exit status of a run stopped because DynamoDB Local stopped under it: not as expected. */
const SERVICE_DIED = 1;

/** A fixed port from an option or, failing that, an environment variable; undefined: a free one. */
function portFrom(option: string | undefined, optionName: string, variable: string): { port?: number; source?: string } {
  const [value, source] = option !== undefined ? [option, optionName] : [process.env[variable], variable];
  if (value === undefined || value === "") return {};
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65535) throw new Error(`${source} is ${JSON.stringify(value)}; expected a port number from 1 to 65535`);
  return { port, source: `${source} ${port}` };
}

/** One line a shell takes as it is: the AWS CLI and the SDKs read these variables, no flags needed (AWS SDKs and Tools reference guide, "Service-specific endpoints"). */
export function endpointBlock(endpoints: { dynamodb: string; sqs: string }): string {
  return [
    "export",
    `AWS_ENDPOINT_URL_DYNAMODB=${endpoints.dynamodb}`,
    `AWS_ENDPOINT_URL_DYNAMODB_STREAMS=${endpoints.dynamodb}`,
    `AWS_ENDPOINT_URL_SQS=${endpoints.sqs}`,
    `AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId}`,
    `AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`,
    `AWS_REGION=${LOCAL_REGION}`,
  ].join(" ");
}

/** The options of `local`; each is documented in cli/help.ts. */
export const LOCAL_OPTIONS = {
  stack: { type: "string", default: "dev" },
  scenario: { type: "string" },
  watch: { type: "boolean" },
  quiet: { type: "boolean" },
  "report-json": { type: "string" },
  "dynamodb-port": { type: "string" },
  "sqs-port": { type: "string" },
  canary: { type: "boolean" },
  "show-heartbeats": { type: "boolean" },
  show: { type: "string" },
  ...CONFIG_OPTION,
} as const;

export async function localCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: LOCAL_OPTIONS, strict: true });
  const stack = values.stack as string;
  const dynamodbPort = portFrom(values["dynamodb-port"], "--dynamodb-port", "ORDERS_LOCAL_DYNAMODB_PORT");
  const sqsPort = portFrom(values["sqs-port"], "--sqs-port", "ORDERS_LOCAL_SQS_PORT");
  if (dynamodbPort.port !== undefined && dynamodbPort.port === sqsPort.port) throw new Error(`${dynamodbPort.source} and ${sqsPort.source}: DynamoDB Local and the local SQS need two different ports`);
  // Everything that can be checked is checked before anything starts.
  const resolved = resolveStack(stack, { overrides: configOverrides(values.config), warn: (line) => io.stderr.write(`${line}\n`) });
  resolved.settings();
  const scenario: Scenario | undefined = values.scenario ? loadScenario(values.scenario) : values.watch ? undefined : loadScenario(DEMO_SCENARIO);
  const jsonFile = values["report-json"];
  if (jsonFile !== undefined) checkReportPath(jsonFile);
  const shown = showKinds(values.show);
  const line = (e: RuntimeEvent): string | undefined => {
    if (values.quiet || stopped()) return undefined;
    const kind = kindOf(e);
    return kind === undefined || !shown || shown.has(kind) ? describe(e, values["show-heartbeats"] === true) : undefined;
  };
  // A closed output (`local ... | head -1`) stops the run, as Ctrl-C would, without a word on
  // it; any other failed write is said on stderr. Either way nothing more is written to stdout.
  let outputFailed = false;
  const say = (line: string) => {
    if (!outputFailed) io.stdout.write(`${line}\n`);
  };
  const startedAt = new Date();
  let pipeline: LocalPipeline | undefined;
  let redrives: { stop(): void } | undefined;
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
  const onOutputError = (err: NodeJS.ErrnoException) => {
    if (outputFailed) return;
    outputFailed = true;
    if (err.code !== "EPIPE") io.stderr.write(`orders-pipeline: cannot write to stdout (${err.code ?? err.message}): stopping\n`);
    interrupts.stop(err.code === "EPIPE" ? OUTPUT_CLOSED : 2);
  };
  io.stdout.on("error", onOutputError);
  try {
    say(`orders-pipeline local: stack ${stack}${scenario ? `, scenario "${scenario.name}"` : ""}`);
    say("  starting DynamoDB Local, local SQS, the declared pipes and processors ...");
    pipeline = await LocalPipeline.start({
      stack,
      config: resolved.config,
      faults: scenario?.faults,
      dynamodbPort: dynamodbPort.port,
      sqsPort: sqsPort.port,
      canary: values.watch === true || values.canary === true,
      onEvent: (e) => {
        const text = line(e);
        if (text) say(text);
      },
    }).catch((err: Error) => {
      if (!(err instanceof PortInUse)) throw err;
      const source = err.port === dynamodbPort.port ? dynamodbPort.source : sqsPort.source;
      throw new Error(`${source}: ${err.message}; choose another port, or leave it out for a free one`);
    });
    const running = pipeline;
    // DynamoDB Local ending under the run (its JVM killed, a crash): said, and the run stops.
    void running.ddb.ended.then((what) => {
      if (stopped()) return;
      io.stderr.write(`orders-pipeline: DynamoDB Local stopped under the local stack ${stack}: ${what}; the stack cannot go on without it: stopping\n`);
      interrupts.stop(SERVICE_DIED);
    });
    say(`  ready in ${Date.now() - startedAt.getTime()} ms: table ${running.tableName} at ${running.ddb.endpoint}, DLQs at ${running.sqsLocal.endpoint}`);
    if (running.ddb.isolation === "none") {
      io.stderr.write(
        `orders-pipeline: warning: DynamoDB Local listens on every network interface of this machine (port ${running.ddb.port}), not only 127.0.0.1: ` +
          `${running.ddb.exposure}. Whoever can reach this machine can read and write the local table.\n`,
      );
    }
    let reported = false;
    const report = async () => {
      reported = true;
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
        if (err instanceof ScenarioStepError) {
          stepError = err;
          io.stderr.write(`orders-pipeline: ${err.message}\n`);
          say(`\nthe scenario stopped at steps[${err.index}] (DynamoDB refused the write); the report shows what ran before it`);
        } else if (!(stopped() && interrupts.exitCode === SERVICE_DIED)) {
          throw err; // (a write in flight when DynamoDB Local died fails with it: the cause was said)
        }
      }
      // What was written still flows through the pipes, unless we are told to stop; the story
      // is over once the pipes have handled every record written until now.
      await running.settle({ timeoutMs: 90000, writtenBefore: Date.now(), signal: interrupts.signal });
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
      // A `dlq redrive --local` runs the processor in its own process: it tells us what it redrove.
      const redriveLog = redriveLogOf(stack);
      redrives = followRedrives(redriveLog, (o) => {
        const text = line({ event: "order.redriven", detail: { ...o } });
        if (text) say(text);
      });
      claim?.ready({ dynamodbEndpoint: running.ddb.endpoint, sqsEndpoint: running.sqsLocal.endpoint, tableName: running.tableName, streamArn: running.streamArn, redriveLog });
      say(`\nwatching: write orders and watch the processors react (Ctrl-C to stop)`);
      say(`  for the AWS CLI and SDKs, paste into a shell (no --endpoint-url, --region or credentials needed after it):`);
      say(`    ${endpointBlock({ dynamodb: running.ddb.endpoint, sqs: running.sqsLocal.endpoint })}`);
      say(`  then, e.g.: aws dynamodb put-item --table-name ${running.tableName} --item '{"orderId":{"S":"o-1"},"orderStatus":{"S":"pending"},"orderAmount":{"N":"250"},"customerEmail":{"S":"ann@example.com"}}'`);
      for (const name of running.routeNames) say(`  DLQ of ${name}: ${running.route(name).dlqUrl}`);
      say(`  dead letters: npm run --silent cli -- dlq list --stack ${stack} --local`);
      const canary = running.plan.canary;
      if (canary && !values["show-heartbeats"]) say(`  canary: each route's heartbeat every ${canary.periodMinutes} min, quietly (a line if a route's stop; --show-heartbeats for one each)`);
      await new Promise<void>((resolve) => (stopped() ? resolve() : interrupts.signal.addEventListener("abort", () => resolve(), { once: true })));
      await report();
      // Ctrl-C is how a --watch run ends: by the signal, as any program (cli/main.ts); a closed
      // output or DynamoDB Local's end has its own status (interrupts.stop).
      return interrupts.exitCode;
    }
    if (!reported) await report(); // stopped while starting
    if (stepError) return 2;
    if (stopped()) return interrupts.exitCode;
    return problems.length > 0 ? 1 : 0;
  } catch (err) {
    writeJson();
    throw err;
  } finally {
    redrives?.stop();
    claim?.release();
    await pipeline?.stop();
    // Until everything is stopped, a second Ctrl-C still exits at once.
    interrupts.uninstall();
    // Kept after a failed write: the error event of a later write still comes here, not to the
    // process's last-resort handler (cli/main.ts), which would end the process before we are done.
    if (!outputFailed) io.stdout.off("error", onOutputError);
  }
}
