import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { FAULTS_ENV } from "../handlers/constants";
import { type HeartbeatEntry, type OutcomeEntry } from "../handlers/batch";
import { REPORT_MESSAGES } from "../handlers/constants";
import { localBundle } from "./bundleCache";
import { routeEvaluator } from "../routing/decide";
import { routesFromEnvironment } from "../routing/environment";
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClientConfig, startDynamoLocal, type DynamoLocal } from "./dynamoLocal";
import { Distribution, type Summary } from "./distribution";
import { type DlqQueue, dlqQueueFor, tableItemReader } from "./dlq";
import { LocalCanary } from "./canary";
import { type HeartbeatEvent, type LedgerEvent, type OrdersByOutcome, PipeLedger, type RouteTally } from "./ledger";
import { LocalPipe, type PipeCounts } from "./localPipe";
import { planOf } from "./planCache";
import { type LocalServices, localEnvironment, localQueueAttributes, type LocalPlan, type PipePlan } from "./plan";
import { ProcessorHost } from "./processorHost";
import { createTables } from "./tables";
import { startUnemulated, type Unemulated } from "./unemulated";
import { sqsClientConfig, startSqsLocal, type SqsLocal } from "./sqsLocal";
import type { WireRecord } from "./wireFormat";

// The declared stack, running locally: DynamoDB Local with the declared table and stream,
// local SQS queues for the DLQs, one local pipe per declared pipe, one execution environment
// per declared processor running the deployed bundle with the declared environment.

/** One route's books: where every record its pipe read ended on it. */
export interface RouteReport {
  readonly route: string;
  readonly pipe: string;
  readonly processor: string;
  /** The other routes its pipe and processor serve (empty for a pipe of its own). */
  readonly sharesPipeWith: readonly string[];
  readonly dlqUrl: string;
  readonly counts: Readonly<RouteTally>;
  /** Records its pipe re-delivered after a failed attempt (a shared pipe retries for all its routes). */
  readonly retried: number;
  /** Read, not final yet (non-zero only when stopped early). */
  readonly inFlight: number;
  /** Write → processed, ms, per processed record (from the write's start; for a write made outside a scenario, from the first read of its record). */
  readonly latencyMs: Summary;
  /** The route's own canary heartbeats its processor reported, and their write → processed latency (never in `counts`). */
  readonly heartbeats: Summary;
  /** The orders behind each count: the first few of each outcome, and how many more. */
  readonly orders: OrdersByOutcome;
}

/** One pipe and its processor. */
export interface PipeReport {
  readonly pipe: string;
  readonly processor: string;
  readonly routes: readonly string[];
  readonly dlqUrl: string;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly memoryMb: number | null;
  readonly architecture: string | null;
  /** What the pipe did with the orders' records; the canary's heartbeat records are apart, in `heartbeatRecords`. */
  readonly counts: PipeCounts;
  /** Heartbeat records the pipe read (its invocations, batch sizes, handler time and log bytes include the work they caused). */
  readonly heartbeatRecords: number;
  /** Passed the filter, not handled nor dead-lettered yet (non-zero only when stopped early). */
  readonly inFlight: number;
  /** Records per invocation. */
  readonly batchSizes: Summary;
  /** Per invocation, measured around the handler call, ms. */
  readonly handlerDurationMs: Summary;
  /** Bytes the processor wrote to stdout. */
  readonly logBytes: number;
}

export interface RunReport {
  readonly pipes: readonly PipeReport[];
  readonly routes: readonly RouteReport[];
  /** The canary's rounds, when it ran (local/canary.ts). */
  readonly canary?: { readonly rounds: number; readonly periodMs: number };
}

export interface RuntimeEvent {
  readonly event: string;
  readonly detail: Record<string, unknown>;
}

export interface StartOptions {
  readonly stack: string;
  /** The stack's config as the CLI resolved it (`--config`, ESC), `ns:key` → string; default: Pulumi.<stack>.yaml. */
  readonly config?: Readonly<Record<string, string>>;
  /** orderId → number of injected business failures (-1: always), for local stories. */
  readonly faults?: Readonly<Record<string, number>>;
  readonly onEvent?: (e: RuntimeEvent) => void;
  readonly pollIntervalMs?: number;
  readonly retryDelayMs?: number;
  /** Leave the pipes stopped until startPipes() (the bench writes a backlog first). */
  readonly deferPipes?: boolean;
  /** Fixed ports on 127.0.0.1 (left out: free ones). */
  readonly dynamodbPort?: number;
  readonly sqsPort?: number;
  /**
   * Run the declared canary (local/canary.ts): a round once the pipes are ready, then every
   * `periodMs` (default: the declared period). Off by default.
   */
  readonly canary?: boolean | { readonly periodMs?: number };
}

interface RunningPipe {
  readonly plan: PipePlan;
  readonly pipe: LocalPipe;
  readonly host: ProcessorHost;
  readonly dlqUrl: string;
  readonly ledger: PipeLedger;
  /** Per route: write → processed latency. */
  readonly latencies: Map<string, Distribution>;
  /** Per route: its heartbeats' write → processed latency. */
  readonly heartbeats: Map<string, Distribution>;
}

/** A stream record on its way through the pipes: when the write that made it started. */
interface Tracked {
  readonly orderId: string;
  readonly readAt: number;
  writtenAt?: number;
  /** Pipes not done with it yet. */
  pipesLeft: number;
}

/** An order's writes not yet matched to a stream record, and records read before their write returned. */
interface OrderWrites {
  writes: number[];
  waiting: Tracked[];
}

/** An unmatched write (it made no stream record) or record (written by someone else) is forgotten after this. */
const UNMATCHED_FOR_MS = 60000;

/** How long a handled record's write time is kept for its processor's log line, which may arrive after the pipe is done with it. */
const RETIRE_AFTER_MS = 5000;

export class LocalPipeline {
  readonly dynamo: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly sqs: SQSClient;
  // Write → processed latency, with memory bounded by what is in flight: an order's entry
  // lives while it has writes not yet seen in the stream; a record's while a pipe has it
  // (and a few seconds more, for its processor's log line).
  private readonly orders = new Map<string, OrderWrites>();
  private readonly tracked = new Map<string, Tracked>();
  private readonly retiring: { eventID: string; at: number }[] = [];
  private lastSweep = 0;

  private readonly routes: RunningPipe[] = [];

  private constructor(
    readonly plan: LocalPlan,
    /** Each pipe's processor code, in the plan's order. */
    private readonly bundles: readonly string[],
    readonly ddb: DynamoLocal,
    readonly sqsLocal: SqsLocal,
  ) {
    this.dynamo = new DynamoDBClient(localClientConfig(ddb.endpoint));
    this.streams = new DynamoDBStreamsClient(localClientConfig(ddb.endpoint));
    this.sqs = new SQSClient(sqsClientConfig(sqsLocal.endpoint));
  }

  get tableName(): string {
    return this.plan.table.name;
  }

  /** The table's stream on DynamoDB Local (set once the table exists). */
  get streamArn(): string {
    return this.stream;
  }

  private stream = "";
  private unemulated?: Unemulated;
  private canary?: LocalCanary;

  /** Where the processors' AWS calls go. */
  get services(): LocalServices {
    if (!this.unemulated) throw new Error("the local services are not started yet");
    return {
      dynamodbEndpoint: this.ddb.endpoint,
      sqsEndpoint: this.sqsLocal.endpoint,
      unemulatedEndpoint: this.unemulated.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    };
  }

  static async start(opts: StartOptions): Promise<LocalPipeline> {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    // The JVM's start-up, the program's evaluation and the SQS server overlap; whatever
    // started is stopped again if another part fails. The JVM is spawned first
    // (startDynamoLocal spawns as soon as it holds its port), and only then is the
    // program loaded: the Pulumi SDK takes ~0.4 s to load.
    const dynamoStarting = startDynamoLocal({ port: opts.dynamodbPort });
    // The plan is kept between starts (planCache.ts); the processors' bundles are built (or
    // taken from bundleCache.ts) while the JVM starts, not after it answers.
    const evaluating = planOf(opts.stack, opts.config).then((plan) => ({ plan, bundles: plan.pipes.map((p) => localBundle(p.processor.steps).code) }));
    const [planned, dynamo, sqs] = await Promise.allSettled([evaluating, dynamoStarting, startSqsLocal({ port: opts.sqsPort })]);
    if (planned.status === "rejected" || dynamo.status === "rejected" || sqs.status === "rejected") {
      if (dynamo.status === "fulfilled") await dynamo.value.stop();
      if (sqs.status === "fulfilled") await sqs.value.stop().catch(() => undefined);
      throw [planned, dynamo, sqs].map((r) => (r.status === "rejected" ? r.reason : undefined)).find((e) => e !== undefined);
    }
    const pipeline = new LocalPipeline(planned.value.plan, planned.value.bundles, dynamo.value, sqs.value);
    try {
      await pipeline.run(opts);
      return pipeline;
    } catch (err) {
      await pipeline.stop();
      throw err;
    }
  }

  private emit: (event: string, detail: Record<string, unknown>) => void = () => undefined;

  private async run(opts: StartOptions): Promise<void> {
    const emit = (event: string, detail: Record<string, unknown>) => opts.onEvent?.({ event, detail });
    this.emit = emit;
    const t = this.plan.table;
    this.unemulated = await startUnemulated();
    const streams = await createTables(this.dynamo, this.plan.tables);
    const streamArn = streams.get(t.name) as string;
    this.stream = streamArn;

    for (const [i, p] of this.plan.pipes.entries()) {
      const queue = this.sqsLocal.createQueue(p.processor.dlqName, localQueueAttributes(p.processor));
      const evaluators = routesFromEnvironment(p.processor.environment).map(routeEvaluator);
      const latencies = new Map(evaluators.map((e) => [e.route.name, new Distribution()]));
      const heartbeats = new Map(evaluators.map((e) => [e.route.name, new Distribution()]));
      const ledger = new PipeLedger(
        evaluators,
        (e) => this.onOutcome(p, e, latencies, emit),
        (h) => this.onHeartbeat(p, h, heartbeats, emit),
      );
      const environment = localEnvironment(p.processor, queue.queueUrl, this.services);
      if (opts.faults && Object.keys(opts.faults).length > 0) environment[FAULTS_ENV] = JSON.stringify(opts.faults);
      const host = new ProcessorHost({
        functionName: p.processor.name,
        code: this.bundles[i],
        environment,
        timeoutMs: p.processor.timeoutSeconds * 1000,
        onLog: (line) => this.onProcessorLog(p, line, ledger, emit),
      });
      const pipe = new LocalPipe(p, {
        streams: this.streams,
        streamArn,
        target: host,
        // The pipe's own message: AWS's pointer shape, nothing added.
        sendToDlq: async (message) => {
          await this.sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: JSON.stringify(message) }));
        },
        onRead: (record) => {
          ledger.read(record);
          this.onRead(record);
        },
        onSettled: (records, as, detail) => {
          ledger.settled(records, as, detail);
          this.onSettled(records);
        },
        onEvent: emit,
        pollIntervalMs: opts.pollIntervalMs,
        retryDelayMs: opts.retryDelayMs,
      });
      this.routes.push({ plan: p, pipe, host, dlqUrl: queue.queueUrl, ledger, latencies, heartbeats });
    }
    if (opts.canary && this.plan.canary) {
      this.canary = new LocalCanary(this.plan.canary, {
        dynamo: this.dynamo,
        periodMs: typeof opts.canary === "object" ? opts.canary.periodMs : undefined,
        onWrite: (orderId, at) => this.recordWrite(orderId, at),
        onEvent: emit,
      });
    }
    if (!opts.deferPipes) await this.startPipes();
    emit("local.ready", { dynamodb: this.ddb.endpoint, sqs: this.sqsLocal.endpoint, table: t.name, streamArn });
  }

  /** Starts the pipes (once); resolves when they read the stream. */
  async startPipes(): Promise<void> {
    for (const r of this.routes) r.pipe.start();
    await Promise.all(this.routes.map((r) => r.pipe.ready));
    // The canary's first round as soon as the pipes read the stream.
    await this.canary?.start();
  }

  /** Remember a write to `orderId` that started at `at` (for write-to-processing latency). */
  recordWrite(orderId: string, at = Date.now()): void {
    const order = this.orders.get(orderId) ?? { writes: [], waiting: [] };
    const waiting = order.waiting.shift();
    if (waiting) waiting.writtenAt = at; // the stream was quicker than the write's response
    else order.writes.push(at);
    this.keepOrForget(orderId, order);
  }

  private keepOrForget(orderId: string, order: OrderWrites): void {
    if (order.writes.length === 0 && order.waiting.length === 0) this.orders.delete(orderId);
    else this.orders.set(orderId, order);
  }

  private onRead(record: WireRecord): void {
    if (this.tracked.has(record.eventID)) return; // the other pipe saw it first
    const orderId = (record.dynamodb.Keys?.orderId as { S?: string } | undefined)?.S ?? "";
    const order = this.orders.get(orderId) ?? { writes: [], waiting: [] };
    const entry: Tracked = { orderId, readAt: Date.now(), pipesLeft: this.routes.length };
    const writtenAt = order.writes.shift();
    if (writtenAt !== undefined) entry.writtenAt = writtenAt;
    else order.waiting.push(entry); // its write has not returned yet (or was made by someone else)
    this.tracked.set(record.eventID, entry);
    this.keepOrForget(orderId, order);
  }

  /** Forgets what will never be matched: writes that made no stream record, records written by others (--watch). */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    const horizon = now - UNMATCHED_FOR_MS;
    for (const [orderId, order] of this.orders) {
      order.writes = order.writes.filter((at) => at >= horizon);
      order.waiting = order.waiting.filter((t) => t.readAt >= horizon);
      this.keepOrForget(orderId, order);
    }
  }

  private onSettled(records: readonly WireRecord[]): void {
    const now = Date.now();
    for (const r of records) {
      const entry = this.tracked.get(r.eventID);
      if (entry && --entry.pipesLeft === 0) this.retiring.push({ eventID: r.eventID, at: now });
    }
    while (this.retiring.length > 0 && now - this.retiring[0].at > RETIRE_AFTER_MS) {
      this.tracked.delete((this.retiring.shift() as { eventID: string }).eventID);
    }
    this.sweep(now);
  }

  /** Entries kept for latency tracking (bounded by what is in flight; for tests and the bench). */
  get trackedEntries(): { orders: number; records: number } {
    return { orders: this.orders.size, records: this.tracked.size };
  }

  /**
   * A processor's log line: its per-record report (REPORT_MESSAGES, handlers/lambda.ts) goes
   * to the pipe's ledger; the business steps' own lines are theirs, and are not read here.
   */
  private onProcessorLog(plan: PipePlan, line: string, ledger: PipeLedger, emit: (event: string, detail: Record<string, unknown>) => void): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line);
    } catch {
      emit("processor.output", { processor: plan.processor.name, line });
      return;
    }
    const parsedAt = Date.parse(String(entry.timestamp));
    const at = Number.isNaN(parsedAt) ? Date.now() : parsedAt;
    if (entry.message === REPORT_MESSAGES.heartbeats && Array.isArray(entry.heartbeats)) {
      for (const h of entry.heartbeats as HeartbeatEntry[]) ledger.heartbeatReported(h, at);
      return;
    }
    if (entry.message !== REPORT_MESSAGES.outcomes || !Array.isArray(entry.outcomes)) return;
    for (const o of entry.outcomes as OutcomeEntry[]) ledger.reported(o, at);
  }

  /** A route's heartbeat reached its processor: its latency from the canary's write (or the processor's own measure), a quiet event. */
  private onHeartbeat(plan: PipePlan, h: HeartbeatEvent, heartbeats: Map<string, Distribution>, emit: (event: string, detail: Record<string, unknown>) => void): void {
    const written = this.tracked.get(h.eventID)?.writtenAt;
    const latencyMs = written !== undefined ? Math.max(0, h.at - written) : h.latencyMs;
    if (latencyMs !== undefined) heartbeats.get(h.route)?.add(latencyMs);
    this.canary?.seen(h.route);
    emit("canary.heartbeat", { route: h.route, pipe: plan.name, processor: plan.processor.name, eventID: h.eventID, latencyMs });
  }

  /** An outcome on a route, as it happens: its latency when first processed, and a live event. */
  private onOutcome(plan: PipePlan, e: LedgerEvent, latencies: Map<string, Distribution>, emit: (event: string, detail: Record<string, unknown>) => void): void {
    if (e.outcome === "processed" && e.first) {
      // A write of our own (a scenario's) from its start; anyone else's from the first read
      // of its record, at most a poll (100 ms) after it reached the stream: DynamoDB Local
      // stamps ApproximateCreationDateTime only to the minute (measured: a write at 08:15:59.4
      // is stamped 08:15:00), where AWS rounds down to the second (DynamoDB Streams API
      // reference, StreamRecord).
      const tracked = this.tracked.get(e.eventID);
      const written = tracked?.writtenAt ?? tracked?.readAt ?? e.createdAt;
      if (written !== undefined) latencies.get(e.route)?.add(Math.max(0, e.at - written));
    }
    emit(`order.${e.outcome}`, { route: e.route, processor: plan.processor.name, pipe: plan.name, orderId: e.orderId, eventID: e.eventID, status: e.status, reason: e.reason, repeat: e.repeat, first: e.first });
  }

  /**
   * Waits until every record is settled, and returns true; returns early (false) when `signal`
   * aborts. With `writtenBefore` (ms since the epoch, after the last write that matters, as a
   * story's end): as soon as every pipe has read past it and handled what it read. Without:
   * once every pipe has been idle for `quietMs` (a batching window and a half by default), as
   * nothing says whether more is coming.
   */
  async settle(opts: { timeoutMs?: number; quietMs?: number; writtenBefore?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60000);
    const maxWindow = Math.max(...this.routes.map((r) => r.plan.batchingWindowSeconds)) * 1000;
    const quietMs = opts.quietMs ?? maxWindow + 500;
    let quietSince: number | undefined;
    for (;;) {
      if (opts.signal?.aborted) return false;
      const failed = this.routes.find((r) => r.pipe.error);
      if (failed) throw new Error(`${failed.plan.name} stopped: ${failed.pipe.error?.message}`);
      // Idle pipes, and every record they handled reported by its processor.
      const { writtenBefore } = opts;
      const settled = this.routes.every((r) => (writtenBefore === undefined ? r.pipe.idle : r.pipe.caughtUpWith(writtenBefore)) && r.ledger.inFlight === 0);
      if (settled && writtenBefore !== undefined) return true;
      if (settled) {
        quietSince ??= Date.now();
        if (Date.now() - quietSince >= quietMs) return true;
      } else {
        quietSince = undefined;
      }
      if (Date.now() > deadline) throw new Error(`the pipes did not settle within ${opts.timeoutMs ?? 60000} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  report(): RunReport {
    return {
      pipes: this.routes.map((r) => ({
        pipe: r.plan.name,
        processor: r.plan.processor.name,
        routes: r.ledger.routeNames,
        dlqUrl: r.dlqUrl,
        batchSize: r.plan.batchSize,
        batchingWindowSeconds: r.plan.batchingWindowSeconds,
        memoryMb: r.plan.processor.memoryMb,
        architecture: r.plan.processor.architecture,
        // The orders' records: the heartbeat records the pipe read, filtered, delivered or
        // dead-lettered are counted apart (retries are the pipe's, whatever they carried).
        counts: {
          ...r.pipe.counts,
          read: r.pipe.counts.read - r.ledger.heartbeatRecords.read,
          filtered: r.pipe.counts.filtered - r.ledger.heartbeatRecords.filtered,
          delivered: r.pipe.counts.delivered - r.ledger.heartbeatRecords.delivered,
          deadLettered: r.pipe.counts.deadLettered - r.ledger.heartbeatRecords.deadLettered,
        },
        heartbeatRecords: r.ledger.heartbeatRecords.read,
        inFlight: r.pipe.inFlight - r.ledger.heartbeatsUnsettled,
        batchSizes: r.pipe.batchSizes.summary(),
        handlerDurationMs: r.host.durations.summary(),
        logBytes: r.host.logBytes,
      })),
      routes: this.routes.flatMap((r) =>
        r.ledger.routeNames.map((route) => ({
          route,
          pipe: r.plan.name,
          processor: r.plan.processor.name,
          sharesPipeWith: r.ledger.routeNames.filter((x) => x !== route),
          dlqUrl: r.dlqUrl,
          counts: r.ledger.tally(route),
          retried: r.pipe.counts.retried,
          inFlight: r.ledger.ordersInFlight,
          latencyMs: (r.latencies.get(route) as Distribution).summary(),
          heartbeats: (r.heartbeats.get(route) as Distribution).summary(),
          orders: r.ledger.ordersOf(route),
        })),
      ),
      ...(this.canary ? { canary: { rounds: this.canary.roundsRun, periodMs: this.canary.periodMs } } : {}),
    };
  }

  /**
   * A log line of a processor of `pipeName` run outside its pipe (a redrive, a replay): its
   * per-record report counts in this run's report too (repeats suppressed, live lines).
   */
  processorLog(pipeName: string, line: string): void {
    const r = this.routes.find((x) => x.plan.name === pipeName);
    if (!r) throw new Error(`no pipe ${pipeName}`);
    this.onProcessorLog(r.plan, line, r.ledger, this.emit);
  }

  /** The running route by pipe name. */
  route(pipeName: string): { plan: PipePlan; host: ProcessorHost; dlqUrl: string } {
    const r = this.routes.find((x) => x.plan.name === pipeName);
    if (!r) throw new Error(`no pipe ${pipeName}`);
    return r;
  }

  /** The route's DLQ, for listing and redriving, invoking its running processor. */
  dlqQueue(pipeName: string): DlqQueue {
    const r = this.route(pipeName);
    return dlqQueueFor(r.plan, r.dlqUrl, { invoke: (records) => r.host.invoke(records), readItem: tableItemReader(this.dynamo, this.tableName), streamArn: this.streamArn });
  }

  get routeNames(): string[] {
    return this.routes.map((r) => r.plan.name);
  }

  /**
   * Stops the pipes and the processors now: no retry starts, an invocation in flight ends
   * (its records stay in flight in the report). The services keep running.
   */
  async halt(): Promise<void> {
    this.canary?.stop();
    const pipes = Promise.all(this.routes.map((r) => r.pipe.stop()));
    await Promise.all(this.routes.map((r) => r.host.stop()));
    await pipes;
  }

  async stop(): Promise<void> {
    await this.halt();
    this.dynamo.destroy();
    this.streams.destroy();
    this.sqs.destroy();
    await this.sqsLocal.stop().catch(() => undefined);
    await this.unemulated?.stop();
    await this.ddb.stop();
  }
}
