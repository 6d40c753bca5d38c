import type { LambdaArchitecture } from "../config/settings";
import type { PipeGroup } from "../routing/pipes";
import type { RouteName } from "../routing/route";
import type { Assumptions } from "./assumptions";
import type { CanaryLoad } from "./canary";
import { HOURS_PER_MONTH, recordsPerBatch, SECONDS_PER_MONTH, streamReadsPerMonth } from "./batching";
import { type Design, DESIGN_SPECS, DESIGNS, type Transport } from "./designs";
import { RECORD_OUTCOMES, type ResolvedProfile } from "./handlerProfile";
import { lambdaPlatformLogBytes } from "./lambdaPlatformLogs";
import { gbSecondKey, type RegionPrices, tieredCost } from "./priceList";
import type { OutcomeCounts, PipeDelivery, Sample } from "./sample";

// The monthly bill of each design, line by line, from a classified sample scaled to the
// month's record changes. Priced per reader (one per declared pipe: a shared pipe is one
// pipe's requests and polling, one processor's invocations and batches, each of its routes'
// outcomes inside), then summed. Each line is a quantity times a unit price (cost/prices.json):
//
// - Pipe requests (pipes only): 64 KB chunks of every batch a pipe delivers, or of every event
//   in it (the billing-unit assumption); records a filter drops are not billed.
// - Lambda requests: one per invocation (one per batch).
// - Lambda duration: invocations x billed ms x memory (MB / 1024) in GB-seconds, billed ms =
//   the handler time rounded up to 1 ms, at the stack's architecture's price.
// - DynamoDB Streams reads: each reader's GetRecords calls on every shard; free for an event
//   source mapping, charged or free for a pipe (an assumption).
// - SQS DLQ requests: a quarantine message per rejected record (64 KB chunks of record plus
//   envelope), a pointer per dead-lettered batch (local reports only).
// - CloudWatch Logs: the processors' measured bytes (cost/handler-profile.json) plus Lambda's
//   own START/END/REPORT lines, priced through the volume tiers on the design's total.
// - Custom metrics: each metric the processors emit (name x service), prorated by the hours it
//   is sent in (a metric sent in h hours of the month costs h/730 of a metric-month).
// - Effects-once writes: every processed order's effect is recorded in the idempotency table
//   (handlers/idempotency.ts): an in-progress PutItem and a completing UpdateItem, each one
//   write request unit (records well under 1 KB), on demand. Retries and redrives (repeats) are
//   not in a sample, so neither are their reads and conditional writes.
// - Canary: everything the liveness canary causes (cost/canary.ts), in one line: Scheduler
//   invocations, the heartbeat writes, the pipe requests, invocations, handler time and log
//   bytes of the heartbeat records (logs at the tier the design's own logs reach), and each
//   route's Heartbeats metric for the whole month. Not in the sample's figures, and the same
//   writes for every design; what reaches processors depends on the design's filters.
export interface DesignSettings {
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly lambdaMemoryMb: number;
  readonly lambdaArchitecture: LambdaArchitecture;
}

/** Handler time per invocation of one processor: fixed plus per record of the batch; `source` says where it came from. */
export interface DurationModel {
  readonly perInvocationMs: number;
  readonly perRecordMs: number;
  readonly source: string;
}

export interface ModelInput {
  readonly sample: Sample;
  readonly perMonth: number;
  readonly settings: DesignSettings;
  readonly assumptions: Assumptions;
  /** By pipe owner. */
  readonly durations: Readonly<Record<RouteName, DurationModel>>;
  readonly profile: ResolvedProfile;
  readonly prices: RegionPrices;
  /** The canary's load (cost/canary.ts); none: a stack without it. */
  readonly canary?: CanaryLoad;
}

export const LINES = ["pipeRequests", "lambdaRequests", "lambdaDuration", "streamReads", "dlqRequests", "effectWrites", "logIngestion", "customMetrics", "canary"] as const;

/** Write request units per processed order in the idempotency table: the in-progress put and the completion. */
export const EFFECT_WRITES_PER_ORDER = 2;
export type Line = (typeof LINES)[number];

/**
 * The canary in one design: the same writes whatever the design; each reader hands its
 * processor the heartbeat records its filters pass (or all, unfiltered), one invocation each.
 * `designLogBytes`: the design's own log bytes, so the canary's are priced at the tier they reach.
 */
export function priceCanary(input: ModelInput, transport: Transport, delivery: "filtered" | "all", designLogBytes: number): CanaryCost | undefined {
  const load = input.canary;
  if (!load) return undefined;
  const p = input.prices.prices;
  const { settings } = input;
  const periods = load.periodsPerMonth;
  let lambdaInvocations = 0;
  let lambdaGbSeconds = 0;
  let logBytes = 0;
  for (const [owner, d] of Object.entries(load.deliveredPerPeriod)) {
    const invocations = d[delivery] * periods;
    const duration = input.durations[owner];
    const billedMs = Math.max(1, Math.ceil(duration.perInvocationMs + duration.perRecordMs));
    lambdaInvocations += invocations;
    lambdaGbSeconds += invocations * (billedMs / 1000) * (settings.lambdaMemoryMb / 1024);
    logBytes += invocations * (input.profile.pipes[owner].logBytesPerHeartbeatInvocation + lambdaPlatformLogBytes(settings.lambdaMemoryMb, billedMs));
  }
  logBytes = Math.round(logBytes);
  // Each batch holds one small record: one 64 KB chunk, billed after the filter (pipes only).
  const pipeRequests = transport === "pipes" ? lambdaInvocations : 0;
  const schedulerInvocations = load.writesPerPeriod * periods;
  const tableWrites = load.writesPerPeriod * periods;
  // A metric sent in every hour of the month is one metric-month (prorated by the hour).
  const metricMonths = load.routes;
  const logs = input.prices.prices.logsIngestionGb;
  const usd = {
    scheduler: schedulerInvocations * p.schedulerInvocation.usd,
    tableWrites: tableWrites * p.dynamodbWriteRequest.usd,
    pipeRequests: pipeRequests * p.pipesRequest.usd,
    lambdaRequests: lambdaInvocations * p.lambdaRequest.usd,
    lambdaDuration: lambdaGbSeconds * p[gbSecondKey(settings.lambdaArchitecture)].usd,
    logIngestion: tieredCost(logs, (designLogBytes + logBytes) / GIB) - tieredCost(logs, designLogBytes / GIB),
    customMetrics: metricMonths * p.customMetricMonth.usd,
  };
  return {
    heartbeatMinutes: load.heartbeatMinutes,
    schedulerInvocations,
    tableWrites,
    streamRecords: load.recordsPerPeriod * periods,
    recordsDelivered: lambdaInvocations,
    lambdaInvocations,
    pipeRequests,
    lambdaGbSeconds,
    logBytes,
    metricMonths,
    usd,
  };
}

/** A batch.outcomes line holds at most this many entries (handlers/constants.ts OUTCOMES_PER_LINE). */
const OUTCOMES_PER_LINE = 200;
const GIB = 1024 ** 3;

export interface Quantities {
  /** Stream records the readers hand to processors in the month (a record delivered by two readers counts twice). */
  readonly recordsDelivered: number;
  readonly lambdaInvocations: number;
  readonly pipeRequests: number;
  readonly lambdaGbSeconds: number;
  /** GetRecords calls, charged or not. */
  readonly streamReads: number;
  readonly streamReadsCharged: number;
  readonly dlqRequests: number;
  /** Write request units to the idempotency table. */
  readonly effectWrites: number;
  readonly logBytes: number;
  /** Distinct custom metrics emitted at all in the month. */
  readonly customMetrics: number;
  /** Metric-months billed: each metric's hours sent / 730. */
  readonly metricMonths: number;
}

export interface RouteResult {
  readonly ordersProcessed: number;
  readonly skipped: number;
  readonly rejected: number;
}

export interface PipeCost extends Quantities {
  readonly owner: RouteName;
  readonly routes: readonly RouteName[];
  /** False for a seed pipe that AWS would refuse to create. */
  readonly exists: boolean;
  readonly recordsPerBatch: number;
  readonly billedMsPerInvocation: number;
  /** Share of the month one shard's processor is busy; over 1, the reader falls behind. */
  readonly shardBusy: number;
  /** Every line but log ingestion, whose tiers apply to the design's total (see DesignCost.usd). */
  readonly usd: Readonly<Record<Exclude<Line, "logIngestion" | "canary">, number>>;
}

/** What the canary costs in one design, by part (the `canary` line is their sum). */
export interface CanaryCost {
  readonly heartbeatMinutes: number;
  readonly schedulerInvocations: number;
  readonly tableWrites: number;
  readonly streamRecords: number;
  /** Heartbeat records handed to processors (a record two readers pass counts twice). */
  readonly recordsDelivered: number;
  readonly lambdaInvocations: number;
  readonly pipeRequests: number;
  readonly lambdaGbSeconds: number;
  readonly logBytes: number;
  readonly metricMonths: number;
  readonly usd: Readonly<Record<"scheduler" | "tableWrites" | "pipeRequests" | "lambdaRequests" | "lambdaDuration" | "logIngestion" | "customMetrics", number>>;
}

export interface DesignCost extends Quantities {
  readonly design: Design | "seedLiteral";
  readonly transport: Transport;
  readonly usd: Readonly<Record<Line, number>>;
  readonly monthlyUsd: number;
  readonly pipes: readonly PipeCost[];
  readonly routes: Readonly<Record<RouteName, RouteResult>>;
  readonly ordersProcessed: number;
  /** The canary's parts, when the stack has one. */
  readonly canary?: CanaryCost;
}

/** Invocations with at least one record of a kind that makes `share` of the delivered records, batches of `perBatch`. */
function invocationsWith(invocations: number, share: number, perBatch: number): number {
  return share <= 0 ? 0 : invocations * (1 - (1 - Math.min(1, share)) ** perBatch);
}

function pricePipe(input: ModelInput, transport: Transport, group: PipeGroup, delivery: PipeDelivery, exists: boolean): PipeCost {
  const { sample, perMonth, settings, assumptions, prices, profile } = input;
  const p = prices.prices;
  const shards = assumptions.shards;
  const scale = perMonth / sample.size;
  const pipeProfile = profile.pipes[group.owner];
  const count = delivery.sizes.count;

  const recordsDelivered = count * scale;
  const perBatch = recordsPerBatch(recordsDelivered, settings.batchSize, settings.batchingWindowSeconds, shards);
  const lambdaInvocations = count === 0 ? 0 : Math.ceil(recordsDelivered / perBatch);
  const pipeRequests =
    transport !== "pipes" || count === 0
      ? 0
      : Math.ceil(assumptions.pipesBillingUnit === "chunk64k" ? lambdaInvocations * delivery.sizes.chunksPerBatch(perBatch) : delivery.sizes.chunksEach() * scale);

  const duration = input.durations[group.owner];
  const billedMs = Math.max(1, Math.ceil(duration.perInvocationMs + duration.perRecordMs * perBatch));
  const lambdaGbSeconds = lambdaInvocations * (billedMs / 1000) * (settings.lambdaMemoryMb / 1024);

  // Logs: per invocation (the pipe's lines, each route's EMF document, Lambda's own lines),
  // the outcomes lines, each route's order metrics where it had orders, and per record.
  const share = (n: number) => (count === 0 ? 0 : n / count);
  const entries = group.routes.reduce((n, r) => n + RECORD_OUTCOMES.reduce((m, o) => m + delivery.routes[r][o], 0) + delivery.routes[r].failed, 0) * scale;
  const outcomesLines = Math.max(invocationsWith(lambdaInvocations, share(delivery.handled), perBatch), entries / OUTCOMES_PER_LINE);
  let logBytes =
    lambdaInvocations * (pipeProfile.logBytesPerInvocation + lambdaPlatformLogBytes(settings.lambdaMemoryMb, billedMs)) + outcomesLines * pipeProfile.logBytesPerOutcomesLine;
  let metricHours = 0;
  let customMetrics = 0;
  const batchHours = Math.min(HOURS_PER_MONTH, lambdaInvocations);
  for (const r of group.routes) {
    const rp = profile.routes[r];
    const c: OutcomeCounts = delivery.routes[r];
    const withOrders = invocationsWith(lambdaInvocations, share(c.processed), perBatch);
    logBytes += lambdaInvocations * rp.logBytesPerInvocation + withOrders * rp.logBytesPerInvocationWithOrders;
    logBytes += RECORD_OUTCOMES.reduce((n, o) => n + c[o] * scale * rp.logBytesPerRecord[o], 0);
    if (lambdaInvocations > 0) {
      customMetrics += rp.metrics.perInvocation.length;
      metricHours += rp.metrics.perInvocation.length * batchHours;
    }
    if (c.processed > 0) {
      customMetrics += rp.metrics.withOrders.length;
      metricHours += rp.metrics.withOrders.length * Math.min(HOURS_PER_MONTH, withOrders);
    }
  }
  logBytes = Math.round(logBytes);
  const metricMonths = metricHours / HOURS_PER_MONTH;

  const dlqRequests = Math.ceil((delivery.rejected.chunksEach(pipeProfile.quarantineEnvelopeBytes) + delivery.deadLettered) * scale);
  const effectWrites = Math.round(group.routes.reduce((n, r) => n + delivery.routes[r].processed, 0) * scale * EFFECT_WRITES_PER_ORDER);
  const streamReads = exists ? streamReadsPerMonth(perMonth, shards) : 0;
  const streamReadsCharged = transport === "pipes" && assumptions.pipesStreamReads === "charged" ? streamReads : 0;

  return {
    owner: group.owner,
    routes: group.routes,
    exists,
    recordsDelivered: Math.round(recordsDelivered),
    recordsPerBatch: perBatch,
    lambdaInvocations,
    pipeRequests,
    billedMsPerInvocation: lambdaInvocations === 0 ? 0 : billedMs,
    lambdaGbSeconds,
    shardBusy: (lambdaInvocations * billedMs) / 1000 / SECONDS_PER_MONTH / shards,
    streamReads,
    streamReadsCharged,
    dlqRequests,
    effectWrites,
    logBytes,
    customMetrics,
    metricMonths,
    usd: {
      pipeRequests: pipeRequests * p.pipesRequest.usd,
      lambdaRequests: lambdaInvocations * p.lambdaRequest.usd,
      lambdaDuration: lambdaGbSeconds * p[gbSecondKey(settings.lambdaArchitecture)].usd,
      streamReads: streamReadsCharged * p.streamsReadRequest.usd,
      dlqRequests: dlqRequests * p.sqsRequest.usd,
      effectWrites: effectWrites * p.dynamodbWriteRequest.usd,
      customMetrics: metricMonths * p.customMetricMonth.usd,
    },
  };
}

const QUANTITY_KEYS = ["recordsDelivered", "lambdaInvocations", "pipeRequests", "lambdaGbSeconds", "streamReads", "streamReadsCharged", "dlqRequests", "effectWrites", "logBytes", "customMetrics", "metricMonths"] as const;

function total(
  input: ModelInput,
  design: Design | "seedLiteral",
  transport: Transport,
  pipes: PipeCost[],
  outcomes: readonly Readonly<Record<RouteName, OutcomeCounts>>[],
  canaryOf?: (designLogBytes: number) => CanaryCost | undefined,
): DesignCost {
  const quantities = Object.fromEntries(QUANTITY_KEYS.map((k) => [k, pipes.reduce((n, x) => n + x[k], 0)])) as unknown as Quantities;
  const canary = canaryOf?.(quantities.logBytes);
  const usd = {} as Record<Line, number>;
  for (const line of LINES) {
    if (line === "logIngestion") usd[line] = tieredCost(input.prices.prices.logsIngestionGb, quantities.logBytes / GIB);
    else if (line === "canary") usd[line] = canary ? Object.values(canary.usd).reduce((a, b) => a + b, 0) : 0;
    else usd[line] = pipes.reduce((n, x) => n + x.usd[line], 0);
  }
  const scale = input.perMonth / input.sample.size;
  const routes: Record<RouteName, RouteResult> = {};
  for (const byRoute of outcomes) {
    for (const [r, c] of Object.entries(byRoute)) routes[r] = { ordersProcessed: Math.round(c.processed * scale), skipped: Math.round(c.skipped * scale), rejected: Math.round(c.rejected * scale) };
  }
  const monthlyUsd = LINES.reduce((n, line) => n + usd[line], 0);
  return { design, transport, ...quantities, usd, monthlyUsd, pipes, routes, ordersProcessed: Object.values(routes).reduce((n, r) => n + r.ordersProcessed, 0), ...(canary ? { canary } : {}) };
}

export function priceDesign(input: ModelInput, design: Design): DesignCost {
  const spec = DESIGN_SPECS[design];
  const pipes = input.sample.pipes.map((s) => pricePipe(input, spec.transport, s.group, s.delivery[spec.delivery], true));
  return total(
    input,
    design,
    spec.transport,
    pipes,
    input.sample.pipes.map((s) => s.delivery[spec.delivery].routes),
    (logBytes) => priceCanary(input, spec.transport, spec.delivery, logBytes),
  );
}

/** The seed's filters as written, each on a pipe of its own (as the seed had them); a refused pipe does not exist. */
export function priceSeedLiteral(input: ModelInput): DesignCost {
  // A seed route that rides on another pipe today is priced with that pipe's processor.
  const pipeOf = (route: RouteName) => input.sample.pipes.find((p) => p.group.routes.includes(route))?.group.owner ?? route;
  const durations = Object.fromEntries(input.sample.seed.map((s) => [s.route, input.durations[pipeOf(s.route)]]));
  const pipeProfiles = Object.fromEntries(input.sample.seed.map((s) => [s.route, input.profile.pipes[pipeOf(s.route)]]));
  const seedInput: ModelInput = { ...input, durations, profile: { ...input.profile, pipes: pipeProfiles } };
  const pipes = input.sample.seed.map((s) => {
    const group: PipeGroup = { owner: s.route, routes: [s.route], stem: "", pipeResource: "", processorResource: "" };
    return pricePipe(seedInput, "pipes", group, s.delivery, s.filter.pipes.accepted);
  });
  return total(input, "seedLiteral", "pipes", pipes, input.sample.seed.map((s) => s.delivery.routes));
}

export class NotFiniteError extends Error {}

/** Refuses an estimate with a figure that is not a finite number, naming the design and the line. */
export function checkFinite(costs: readonly DesignCost[]): void {
  for (const c of costs) {
    for (const line of LINES) {
      if (!Number.isFinite(c.usd[line])) throw new NotFiniteError(`the ${c.design} design's ${line} came to ${c.usd[line]} USD, not a finite amount: check the prices file and --per-month`);
    }
    for (const k of QUANTITY_KEYS) if (!Number.isFinite(c[k])) throw new NotFiniteError(`the ${c.design} design's ${k} came to ${c[k]}, not a finite number: check the prices file and --per-month`);
    if (!Number.isFinite(c.monthlyUsd)) throw new NotFiniteError(`the ${c.design} design's total came to ${c.monthlyUsd} USD, not a finite amount: check the prices file and --per-month`);
  }
}

export function priceDesigns(input: ModelInput): Record<Design, DesignCost> {
  if (input.sample.size === 0) throw new Error("the sample has no records to scale");
  const out = Object.fromEntries(DESIGNS.map((d) => [d, priceDesign(input, d)])) as Record<Design, DesignCost>;
  checkFinite(Object.values(out));
  return out;
}
