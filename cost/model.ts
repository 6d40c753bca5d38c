import type { LambdaArchitecture } from "../config/settings";
import type { RouteName } from "../routing/route";
import { DECLARED_ROUTE_NAMES as ROUTE_NAMES } from "../routing/stackRoutes";
import { chunks, chunksPerBatch, recordsPerBatch, SECONDS_PER_MONTH, streamReadsPerMonth } from "./batching";
import { HANDLER_OUTCOMES, type HandlerOutcome, type HandlerProfile } from "./handlerProfile";
import { lambdaPlatformLogBytes } from "./lambdaPlatformLogs";
import { gbSecondKey, type RegionPrices } from "./priceList";
import { DESIGNS, type Design, type Sample } from "./sample";

// The monthly bill of each design, line by line, from a classified sample scaled to the
// month's record changes. Each line is a quantity times a unit price (cost/prices.json):
//
// - Pipe requests: 64 KB chunks of every batch a pipe delivers (batching model in
//   cost/batching.ts); records a filter drops are not billed.
// - Lambda requests: one per invocation (one per batch).
// - Lambda duration: invocations x billed ms x memory (MB / 1024) in GB-seconds, billed ms =
//   the duration rounded up to 1 ms (AWS Lambda pricing), at the stack's architecture's price.
// - DynamoDB Streams reads: the GetRecords calls of each existing pipe (cost/batching.ts);
//   the same whatever the filters, since a pipe reads every record before filtering.
// - SQS DLQ requests: a quarantine message per rejected record (64 KB chunks of record plus
//   envelope), a pointer per dead-lettered batch (local reports only).
// - CloudWatch Logs: the processors' measured bytes (cost/handler-profile.json) plus
//   Lambda's own START/END/REPORT lines, per invocation and per record.
// - Custom metrics: distinct metric name + dimensions the processors emit in the month
//   (EMF metrics are custom metrics); none for a processor that is never invoked.

export interface DesignSettings {
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly lambdaMemoryMb: number;
  readonly lambdaArchitecture: LambdaArchitecture;
}

/** Handler time per invocation: fixed plus per record of the batch; `source` says where it came from. */
export interface DurationModel {
  readonly perInvocationMs: number;
  readonly perRecordMs: number;
  readonly source: string;
}

export interface ModelInput {
  readonly sample: Sample;
  readonly perMonth: number;
  readonly settings: DesignSettings;
  readonly durations: Readonly<Record<RouteName, DurationModel>>;
  readonly profile: HandlerProfile;
  readonly prices: RegionPrices;
}

export const LINES = ["pipeRequests", "lambdaRequests", "lambdaDuration", "streamReads", "dlqRequests", "logIngestion", "customMetrics"] as const;
export type Line = (typeof LINES)[number];

export interface Quantities {
  /** Stream records the pipe hands to the processor in the month. */
  readonly recordsDelivered: number;
  readonly lambdaInvocations: number;
  readonly pipeRequests: number;
  readonly lambdaGbSeconds: number;
  readonly streamReads: number;
  readonly dlqRequests: number;
  readonly logBytes: number;
  readonly customMetrics: number;
  readonly ordersProcessed: number;
}

export interface RouteCost extends Quantities {
  readonly pipeCreated: boolean;
  readonly recordsPerBatch: number;
  readonly billedMsPerInvocation: number;
  /** Share of the month the single shard's processor is busy; over 1, the pipe falls behind. */
  readonly shardBusy: number;
  readonly usd: Readonly<Record<Line, number>>;
  readonly monthlyUsd: number;
}

export interface DesignCost extends Quantities {
  readonly usd: Readonly<Record<Line, number>>;
  readonly monthlyUsd: number;
  readonly routes: Readonly<Record<RouteName, RouteCost>>;
}

const GIB = 1024 ** 3;

function priceRoute(input: ModelInput, design: Design, route: RouteName): RouteCost {
  const { sample, perMonth, settings, profile, prices } = input;
  const routeSample = sample.designs[design][route];
  const p = prices.prices;
  const rp = profile.routes[route];
  const scale = perMonth / sample.size;
  const delivered = routeSample.delivered;
  const count = (o: HandlerOutcome) => delivered.filter((r) => r.outcome === o).length;
  const perMonthOf = (n: number) => n * scale;

  const recordsDelivered = perMonthOf(delivered.length);
  const perBatch = recordsPerBatch(recordsDelivered, settings.batchSize, settings.batchingWindowSeconds);
  const lambdaInvocations = delivered.length === 0 ? 0 : Math.ceil(recordsDelivered / perBatch);
  const pipeRequests = Math.ceil(lambdaInvocations * chunksPerBatch(delivered.map((r) => r.bytes), perBatch));

  const duration = input.durations[route];
  const billedMs = Math.max(1, Math.ceil(duration.perInvocationMs + duration.perRecordMs * perBatch));
  const lambdaGbSeconds = lambdaInvocations * (billedMs / 1000) * (settings.lambdaMemoryMb / 1024);

  const processed = count("processed");
  // An invocation carries the order metrics' definitions if any of its records is an order.
  const orderShare = delivered.length === 0 ? 0 : processed / delivered.length;
  const invocationsWithOrders = lambdaInvocations * (1 - (1 - orderShare) ** perBatch);
  const perRecordBytes = HANDLER_OUTCOMES.reduce((n, o) => n + perMonthOf(count(o)) * rp.logBytesPerRecord[o], 0);
  const logBytes = Math.round(
    lambdaInvocations * (rp.logBytesPerInvocation + lambdaPlatformLogBytes(settings.lambdaMemoryMb, billedMs)) +
      invocationsWithOrders * rp.logBytesPerInvocationWithOrders +
      perRecordBytes,
  );

  const quarantineChunks = delivered.filter((r) => r.outcome === "rejected").reduce((n, r) => n + chunks(r.bytes + rp.quarantineEnvelopeBytes), 0);
  const dlqRequests = Math.ceil(perMonthOf(quarantineChunks + routeSample.deadLettered));
  const customMetrics = lambdaInvocations === 0 ? 0 : rp.metrics.perInvocation.length + (processed > 0 ? rp.metrics.withOrders.length : 0);
  const streamReads = routeSample.pipeCreated ? streamReadsPerMonth(perMonth) : 0;

  const usd: Record<Line, number> = {
    pipeRequests: pipeRequests * p.pipesRequest.usd,
    lambdaRequests: lambdaInvocations * p.lambdaRequest.usd,
    lambdaDuration: lambdaGbSeconds * p[gbSecondKey(settings.lambdaArchitecture)].usd,
    streamReads: streamReads * p.streamsReadRequest.usd,
    dlqRequests: dlqRequests * p.sqsRequest.usd,
    logIngestion: (logBytes / GIB) * p.logsIngestionGb.usd,
    customMetrics: customMetrics * p.customMetricMonth.usd,
  };
  return {
    pipeCreated: routeSample.pipeCreated,
    recordsDelivered: Math.round(recordsDelivered),
    recordsPerBatch: perBatch,
    lambdaInvocations,
    pipeRequests,
    billedMsPerInvocation: lambdaInvocations === 0 ? 0 : billedMs,
    lambdaGbSeconds,
    shardBusy: (lambdaInvocations * billedMs) / 1000 / SECONDS_PER_MONTH,
    streamReads,
    dlqRequests,
    logBytes,
    customMetrics,
    ordersProcessed: Math.round(perMonthOf(processed)),
    usd,
    monthlyUsd: LINES.reduce((n, line) => n + usd[line], 0),
  };
}

const QUANTITY_KEYS = ["recordsDelivered", "lambdaInvocations", "pipeRequests", "lambdaGbSeconds", "streamReads", "dlqRequests", "logBytes", "customMetrics", "ordersProcessed"] as const;

export function priceDesign(input: ModelInput, design: Design): DesignCost {
  const routes = {} as Record<RouteName, RouteCost>;
  for (const route of ROUTE_NAMES) routes[route] = priceRoute(input, design, route);
  const sum = (f: (r: RouteCost) => number) => ROUTE_NAMES.reduce((n, route) => n + f(routes[route]), 0);
  const quantities = Object.fromEntries(QUANTITY_KEYS.map((k) => [k, sum((r) => r[k])])) as unknown as Quantities;
  const usd = Object.fromEntries(LINES.map((line) => [line, sum((r) => r.usd[line])])) as Record<Line, number>;
  return { ...quantities, usd, monthlyUsd: sum((r) => r.monthlyUsd), routes };
}

export function priceDesigns(input: ModelInput): Record<Design, DesignCost> {
  if (input.sample.size === 0) throw new Error("the sample has no records to scale");
  return Object.fromEntries(DESIGNS.map((d) => [d, priceDesign(input, d)])) as Record<Design, DesignCost>;
}

/** What the deployed design saves against the unfiltered one. */
export function saving(designs: Record<Design, DesignCost>): { usd: number; percent: number } {
  const usd = designs.unfiltered.monthlyUsd - designs.deployed.monthlyUsd;
  return { usd, percent: designs.unfiltered.monthlyUsd === 0 ? 0 : (usd / designs.unfiltered.monthlyUsd) * 100 };
}
