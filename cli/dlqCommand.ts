import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { localBundle } from "../local/bundleCache";
import {
  type DlqClients,
  type DlqCounts,
  type DlqEntry,
  DlqHolds,
  type DlqQueue,
  dlqQueueFor,
  findDlqEntry,
  forEachDlqEntry,
  ordersInMessage,
  quarantinedRecordForShow,
  redriveDlq,
  resolvePointer,
  tableItemReader,
} from "../local/dlq";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_REQUEST_TIMEOUT_MS, localClientConfig } from "../local/dynamoLocal";
import { Interrupts } from "../local/interrupts";
import { isStopped, lookupState } from "../local/localState";
import { maskEmails } from "../local/maskRecord";
import { plural } from "../local/plural";
import { appendRedriven, reportedOutcomes } from "../local/redriveLog";
import { localEnvironment } from "../local/plan";
import { planOf } from "../local/planCache";
import { startUnemulated } from "../local/unemulated";
import { ProcessorHost } from "../local/processorHost";
import { jsonKind } from "../routing/jsonKind";
import { ROUTES } from "../routing/routes";
import { type Io, oneLine, UsageError } from "./io";
import { type ResolvedStack, resolveStack } from "./stackConfig";

// `dlq list|show|redrive`: both kinds of DLQ message (pipe pointers, quarantined records),
// against AWS (default credential chain, the stack's outputs) or a running local stack.

interface Target {
  readonly clients: DlqClients;
  readonly queues: DlqQueue[];
  /** Turns a failure to reach the target into a message a user can act on. */
  explain(err: Error): Error;
  close(): Promise<void>;
}

async function localTarget(stack: string, resolve: () => ResolvedStack): Promise<Target> {
  const found = lookupState(stack);
  const start = `start one with \`npm run --silent cli -- local --stack ${stack} --watch\` in another terminal`;
  if (found.kind === "none") throw new Error(`no local stack ${stack} is running: ${start}`);
  if (found.kind === "stale") {
    throw new Error(`no local stack ${stack} is running (the state file left by pid ${found.state.pid}, which has exited, was removed): ${start}`);
  }
  const state = found.state;
  if (state.status !== "ready" || !state.dynamodbEndpoint || !state.sqsEndpoint || !state.tableName) {
    throw new Error(`local stack ${stack} is still starting (pid ${state.pid}): try again in a moment`);
  }
  const { config } = resolve();
  const { sqsEndpoint, dynamodbEndpoint } = state;
  // With timeouts: a local stack that does not answer (stopped with Ctrl-Z) is said, not waited for.
  const sqs = new SQSClient(localClientConfig(state.sqsEndpoint, { attempts: 1 }));
  const streams = new DynamoDBStreamsClient(localClientConfig(state.dynamodbEndpoint, { attempts: 1 }));
  const dynamo = new DynamoDBClient(localClientConfig(state.dynamodbEndpoint, { attempts: 1 }));
  const readItem = tableItemReader(dynamo, state.tableName);
  const plan = await planOf(stack, config);
  // The redriven processor's calls to services the local stack does not emulate are refused at once, as under the watch.
  const unemulated = await startUnemulated();
  const hosts: ProcessorHost[] = [];
  const queues: DlqQueue[] = [];
  const explain = (err: Error) =>
    (err as NodeJS.ErrnoException).code === "ECONNREFUSED" || err.name === "TimeoutError"
      ? new Error(
          isStopped(state.pid)
            ? `the local stack ${stack} (pid ${state.pid}) is stopped (Ctrl-Z?) and does not answer: resume it (\`fg\` in its terminal, or \`kill -CONT ${state.pid}\`)`
            : `the local stack ${stack} (pid ${state.pid}) does not answer at ${state.dynamodbEndpoint} / ${state.sqsEndpoint}: ${err.name === "TimeoutError" ? `no answer within ${LOCAL_REQUEST_TIMEOUT_MS / 1000} s` : err.message}`,
        )
      : err;
  for (const p of plan.pipes) {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: p.processor.dlqName })).catch((err: Error) => {
      throw explain(err);
    });
    // The processor starts on the first redrive that needs it: listing and showing never do.
    let host: ProcessorHost | undefined;
    const started = () => {
      if (!host) {
        host = new ProcessorHost({
          functionName: p.processor.name,
          code: localBundle(p.processor.steps).code,
          environment: localEnvironment(p.processor, QueueUrl as string, {
            dynamodbEndpoint,
            sqsEndpoint,
            unemulatedEndpoint: unemulated.endpoint,
            region: LOCAL_REGION,
            credentials: LOCAL_CREDENTIALS,
          }),
          timeoutMs: p.processor.timeoutSeconds * 1000,
          // What the processor reports of each order goes to the stack's watch, which says "redriven".
          onLog: (line) => {
            const reported = state.redriveLog ? reportedOutcomes(line) : undefined;
            if (reported) appendRedriven(state.redriveLog as string, reported.outcomes);
          },
        });
        hosts.push(host);
      }
      return host;
    };
    queues.push(dlqQueueFor(p, QueueUrl as string, { invoke: (records) => started().invoke(records), readItem, streamArn: state.streamArn }));
  }
  return {
    clients: { sqs, streams },
    queues,
    explain,
    close: async () => {
      await Promise.all(hosts.map((h) => h.stop()));
      await unemulated.stop();
      sqs.destroy();
      streams.destroy();
      dynamo.destroy();
    },
  };
}

function stackOutputs(stack: string, outputsFile?: string): Record<string, any> {
  if (outputsFile) {
    let text: string;
    try {
      text = fs.readFileSync(outputsFile, "utf8");
    } catch (err) {
      throw new Error(`--outputs ${outputsFile}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
    }
    let outputs: unknown;
    try {
      outputs = JSON.parse(text);
    } catch (err) {
      throw new Error(`--outputs ${outputsFile} is not JSON (${oneLine((err as Error).message)}); expected the output of \`pulumi stack output --json\``);
    }
    if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs)) {
      throw new Error(`--outputs ${outputsFile} holds ${jsonKind(outputs)}; expected the object that \`pulumi stack output --json\` prints`);
    }
    return outputs as Record<string, any>;
  }
  try {
    return JSON.parse(execFileSync("pulumi", ["stack", "output", "--json", "--stack", stack], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
  } catch (err) {
    throw new Error(`could not read the outputs of stack ${stack} with the Pulumi CLI (${(err as Error).message.split("\n")[0]}); pass --outputs FILE (the JSON of \`pulumi stack output --json\`)`);
  }
}

async function awsTarget(resolved: ResolvedStack, outputsFile?: string): Promise<Target> {
  const { stack } = resolved;
  const outputs = stackOutputs(stack, outputsFile);
  const region = resolved.config["aws:region"]; // else the SDK's default (AWS_REGION)
  // An endpoint set in the environment (AWS_ENDPOINT_URL_SQS) wins over the queue URL's host.
  const sqs = new SQSClient({ region, useQueueUrlAsEndpoint: !process.env.AWS_ENDPOINT_URL_SQS });
  const streams = new DynamoDBStreamsClient({ region });
  const dynamo = new DynamoDBClient({ region });
  // Loaded only when a redrive invokes a processor (~35 ms of every other dlq command).
  let lambda: Promise<{ client: LambdaClient; InvokeCommand: typeof import("@aws-sdk/client-lambda").InvokeCommand }> | undefined;
  const lambdaClient = () =>
    (lambda ??= import("@aws-sdk/client-lambda").then(({ LambdaClient, InvokeCommand }) => ({ client: new LambdaClient({ region }), InvokeCommand })));
  const plan = await planOf(stack, resolved.config);
  // Only a quarantined record's redrive reads the table; listing needs no tableName.
  const readItem: DlqQueue["readItem"] =
    typeof outputs.tableName === "string"
      ? tableItemReader(dynamo, outputs.tableName)
      : async () => {
          throw new Error(`the outputs of stack ${stack} have no tableName: cannot read a quarantined order's current version`);
        };
  // One DLQ per pipe; a pipe's outputs are under each route it serves, so its first route's.
  const queues: DlqQueue[] = plan.pipes.map((declared) => {
    const name = declared.processor.steps[0].route;
    const out = outputs[name];
    if (!out?.dlqUrl || !out?.processorName) throw new Error(`stack ${stack} has no outputs for the ${name} route (deployed yet?)`);
    const invoke = async (records: unknown[]) => {
      const { client, InvokeCommand } = await lambdaClient();
      const res = await client.send(new InvokeCommand({ FunctionName: out.processorName, Payload: Buffer.from(JSON.stringify(records)) }));
      const text = Buffer.from(res.Payload ?? new Uint8Array()).toString("utf8");
      if (res.FunctionError) return { ok: false as const, error: `${res.FunctionError}: ${text}` };
      return { ok: true as const, result: text ? JSON.parse(text) : null };
    };
    // The deployed pipe's ARN and the stack's stream, from the outputs: what a message must name.
    const streamArn = typeof outputs.streamArn === "string" ? outputs.streamArn : undefined;
    const pipeArn = typeof out.pipeArn === "string" ? out.pipeArn : undefined;
    return dlqQueueFor(declared, out.dlqUrl, { invoke, readItem, streamArn, pipeArn });
  });
  return {
    clients: { sqs, streams },
    queues,
    explain: (err) => err,
    close: async () => {
      sqs.destroy();
      streams.destroy();
      dynamo.destroy();
      (await lambda)?.client.destroy();
    },
  };
}

const STREAM_RETENTION_MS = 24 * 60 * 60 * 1000;

function summary(e: DlqEntry): string {
  if (e.kind === "pointer") {
    const i = e.pointer.DDBStreamBatchInfo;
    return `pointer     ${e.messageId}  ${e.pointer.context?.condition}: ${plural(i.batchSize, "record")}, shard ${i.shardId}, sequence ${i.startSequenceNumber}..${i.endSequenceNumber}, ${e.pointer.timestamp}`;
  }
  if (e.kind === "quarantine") {
    const q = e.quarantine;
    const ref = q.reference;
    const until = typeof ref?.approximateCreationDateTime === "number" ? `; the stream holds it until ${new Date(ref.approximateCreationDateTime * 1000 + STREAM_RETENTION_MS).toISOString()}` : "";
    const how = ref ? ` by reference (${ref.sizes?.record ?? "?"} bytes, too large for a message${until})` : "";
    return `quarantine  ${e.messageId}  record ${q.eventID ?? "(no eventID)"}${how}: ${(q.reasons ?? []).join("; ")}, ${q.quarantinedAt}`;
  }
  return `unknown     ${e.messageId}  ${e.body.slice(0, 120)}`;
}

/** What a listing did not see, and why, in words: never "held by another reader" unless SQS says some are. */
function listingNotes(c: DlqCounts): string {
  const notes: string[] = [];
  // SQS's counts are approximate (and count this listing's own receives for a moment): only
  // what the listing did not see needs explaining, by what SQS reports.
  const unseen = c.visible + c.notVisible - c.seen;
  const held = Math.min(Math.max(unseen, 0), c.notVisible);
  if (held > 0) notes.push(`${held} more held by another reader right now (received, not deleted yet; visible again when released)`);
  if (unseen - held > 0) notes.push(`SQS reported about ${c.visible} visible: ${unseen - held} not returned to this listing (receives sample SQS's servers; run it again)`);
  if (c.delayed > 0) notes.push(`${c.delayed} more delayed`);
  return notes.length > 0 ? ` (${notes.join("; ")})` : "";
}

/** How many orders a listing names per message; the rest are counted. */
const ORDERS_NAMED = 5;

/** The orders a message is about, and their routes: "normal: o-1, o-2 and 3 more", what the watch's lines name. */
async function ordersLine(target: Target, queue: DlqQueue, e: DlqEntry): Promise<string> {
  const found = await ordersInMessage(target.clients, queue, e);
  if (!found.ok) return `orders unknown (${found.reason})`;
  const byRoute = new Map<string, string[]>();
  for (const o of found.orders) for (const route of o.routes.length > 0 ? o.routes : ["no route"]) byRoute.set(route, [...(byRoute.get(route) ?? []), o.orderId]);
  return [...byRoute]
    .map(([route, ids]) => `${route}: ${ids.slice(0, ORDERS_NAMED).join(", ")}${ids.length > ORDERS_NAMED ? ` and ${ids.length - ORDERS_NAMED} more` : ""}`)
    .join("; ");
}

async function list(target: Target, queues: readonly DlqQueue[], say: (line: string) => void): Promise<number> {
  for (const queue of queues) {
    const entries: DlqEntry[] = []; // one short line per message, not the messages
    const counts = await forEachDlqEntry(target.clients, queue, (e) => void entries.push(e));
    say(`${queue.processor} DLQ (${queue.url}): ${plural(counts.seen, "message")}${listingNotes(counts)}`);
    for (const e of entries) say(`  ${summary(e)}${e.kind === "unknown" ? "" : `\n      ${await ordersLine(target, queue, e)}`}`);
  }
  return 0;
}

async function show(target: Target, queues: readonly DlqQueue[], messageId: string, say: (line: string) => void, mask: <T>(v: T) => T): Promise<boolean> {
  for (const queue of queues) {
    const entry = await findDlqEntry(target.clients, queue, messageId);
    if (!entry) continue;
    say(summary(entry));
    if (entry.kind === "pointer") {
      const resolved = await resolvePointer(target.clients, queue, entry.pointer);
      say(resolved.ok ? JSON.stringify(mask(resolved.records), null, 2) : `cannot show the records: ${resolved.reason}`);
    } else if (entry.kind === "quarantine") {
      say(JSON.stringify(mask(entry.quarantine), null, 2));
      if (entry.quarantine.reference) {
        const found = await quarantinedRecordForShow(target.clients, queue, entry.quarantine);
        say(found.ok ? `the record, read back from the stream (shard ${found.shardId}):\n${JSON.stringify(mask(found.record), null, 2)}` : `cannot read the record back from the stream: ${found.reason}`);
      }
    } else {
      say(entry.body);
    }
    return true;
  }
  return false;
}

async function redrive(target: Target, queues: readonly DlqQueue[], messageId: string | undefined, say: (line: string) => void, where: string): Promise<number> {
  // Without --route, the message may be in any route's DLQ: find it first.
  let chosen = queues;
  if (messageId) {
    const holding: DlqQueue[] = [];
    for (const q of queues) if (await findDlqEntry(target.clients, q, messageId)) holding.push(q);
    if (holding.length === 0) throw new Error(`no message ${messageId} in ${where}`);
    chosen = holding;
  }
  // Ctrl-C: no further message starts and what is held is released (visibility 0), so an
  // interrupted redrive leaves nothing invisible for the hold; a second Ctrl-C exits at once,
  // after the release.
  const holds = new DlqHolds();
  const interrupts = new Interrupts({
    onFirst: () => say("interrupted: stopping after the message in progress; held messages are released (press Ctrl-C again to exit at once)"),
    exitNow: (code) => void holds.releaseAll(target.clients.sqs).finally(() => process.exit(code)),
  }).install();
  let kept = 0;
  try {
    for (const queue of chosen) {
      if (interrupts.signal.aborted) break;
      let listed = 0;
      const outcomes = await redriveDlq(target.clients, queue, {
        messageIds: messageId ? [messageId] : undefined,
        signal: interrupts.signal,
        holds,
        onListed: (n) => {
          listed = n;
          say(`${queue.processor} DLQ: ${plural(n, "message")}`);
        },
        onOutcome: (o) => say(`  ${o.deleted ? "deleted" : "kept   "}  ${o.kind} ${o.messageId}: ${o.detail}`),
      });
      const keptHere = outcomes.filter((o) => !o.deleted).length;
      kept += keptHere;
      const untouched = listed - outcomes.length;
      if (listed > 0) say(`  ${outcomes.length - keptHere} deleted, ${keptHere} kept${untouched > 0 ? `, ${untouched} not redriven (interrupted)` : ""}`);
    }
  } finally {
    await holds.releaseAll(target.clients.sqs);
    interrupts.uninstall();
  }
  if (interrupts.received) {
    say("interrupted: the messages not redriven were not touched and are visible");
    return interrupts.exitCode;
  }
  return kept > 0 ? 1 : 0;
}

/** The options of `dlq list`, and of `dlq show` and `dlq redrive`; each is documented in cli/help.ts. */
export const DLQ_LIST_OPTIONS = {
  stack: { type: "string", default: "dev" },
  local: { type: "boolean" },
  route: { type: "string" },
  outputs: { type: "string" },
} as const;
export const DLQ_MESSAGE_OPTIONS = { ...DLQ_LIST_OPTIONS, message: { type: "string" } } as const;
export const DLQ_SHOW_OPTIONS = { ...DLQ_MESSAGE_OPTIONS, "show-email": { type: "boolean" } } as const;

function parseDlqArgs(sub: "list" | "show" | "redrive", rest: string[]): { stack?: string; local?: boolean; route?: string; outputs?: string; message?: string; "show-email"?: boolean } {
  if (sub === "list") return parseArgs({ args: rest, options: DLQ_LIST_OPTIONS, strict: true }).values;
  if (sub === "show") return parseArgs({ args: rest, options: DLQ_SHOW_OPTIONS, strict: true }).values;
  return parseArgs({ args: rest, options: DLQ_MESSAGE_OPTIONS, strict: true }).values;
}

export async function dlqCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "list" && sub !== "show" && sub !== "redrive") throw new UsageError(`dlq: expected list, show or redrive, got ${JSON.stringify(sub ?? "")}`);
  const values = parseDlqArgs(sub, rest);
  const routeNames = ROUTES.map((d) => d.name);
  if (values.route && !routeNames.includes(values.route)) throw new UsageError(`--route is ${values.route}; expected ${routeNames.join(", ")}`);
  if (sub === "show" && !values.message) throw new UsageError("dlq show needs --message ID (from dlq list)");
  const stack = values.stack as string;
  const resolve = () => resolveStack(stack, { warn: (line) => io.stderr.write(`${line}\n`) });
  const target = values.local ? await localTarget(stack, resolve) : await awsTarget(resolve(), values.outputs);
  const say = (line: string) => io.stdout.write(`${line}\n`);
  // Addresses are masked as in the processors' logs, unless asked for in full.
  const mask = values["show-email"] ? <T>(v: T) => v : maskEmails;
  const where = `the DLQs of stack ${stack}${values.route ? ` (route ${values.route})` : ""}`;
  try {
    // A route's DLQ is its pipe's: routes sharing a pipe share it.
    const queues = target.queues.filter((q) => !values.route || q.evaluators.some((e) => e.route.name === values.route));
    if (sub === "list") return await list(target, queues, say);
    if (sub === "redrive") return await redrive(target, queues, values.message, say, where);
    if (await show(target, queues, values.message as string, say, mask)) return 0;
    throw new Error(`no message ${values.message} in ${where}`);
  } catch (err) {
    throw target.explain(err as Error);
  } finally {
    await target.close();
  }
}
