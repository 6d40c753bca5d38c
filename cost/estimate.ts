import * as path from "node:path";
import type { RouteName } from "../routing/route";
import { DECLARED_ROUTE_NAMES as ROUTE_NAMES } from "../routing/stackRoutes";
import { SECONDS_PER_MONTH } from "./batching";
import type { HandlerProfile } from "./handlerProfile";
import { type DesignCost, type DesignSettings, type DurationModel, priceDesigns, saving } from "./model";
import { PRICE_KEYS, type PriceKey, type RegionPrices } from "./priceList";
import type { Design, Sample } from "./sample";

// One cost estimate: the three designs priced on the same sample, the saving, and the notes a
// reader needs to trust or challenge the figures (model, seed verdicts, unverified charges).

export interface InputInfo {
  readonly kind: "records" | "scenario" | "report";
  readonly file: string;
  /** Records files: non-blank lines read, and those that were not stream records. */
  readonly lines?: number;
  readonly badLines?: number;
  /** Stream records priced (records files, scenarios) or read per pipe (reports). */
  readonly records: number;
  readonly detail?: string;
}

export interface EstimateInput {
  readonly stack: string;
  readonly perMonth: number;
  readonly input: InputInfo;
  readonly sample: Sample;
  readonly settings: DesignSettings;
  readonly durations: Readonly<Record<RouteName, DurationModel>>;
  readonly profile: HandlerProfile;
  readonly prices: RegionPrices;
  readonly extraNotes?: readonly string[];
}

export interface CostEstimate {
  readonly stack: string;
  readonly region: string;
  readonly perMonth: number;
  readonly input: InputInfo;
  readonly settings: DesignSettings;
  readonly prices: { readonly file: string; readonly checked: string; readonly fromAws: readonly PriceKey[]; readonly fromSecondary: readonly PriceKey[] };
  readonly designs: Readonly<Record<Design, DesignCost>>;
  readonly saving: { readonly usd: number; readonly percent: number };
  readonly notes: readonly string[];
}

/** Writes per second a single DynamoDB partition takes (1,000 WCU), so roughly where a second stream shard appears. */
const PARTITION_WRITES_PER_SECOND = 1000;

export function estimate(input: EstimateInput): CostEstimate {
  const designs = priceDesigns(input);
  const { sample, perMonth, prices, settings } = input;
  const notes: string[] = [];
  const perSecond = perMonth / SECONDS_PER_MONTH;
  notes.push(
    `Arrival model: ${fmt(perMonth)} record changes a month arrive evenly, ${perSecond.toFixed(2)} a second, on one stream shard; each pipe reads it with parallelizationFactor 1, ` +
      `filters, then batches what passed: a batch opens with its first record and gathers for max(batching window ${settings.batchingWindowSeconds} s, one 0.25 s poll), ` +
      `up to ${settings.batchSize} records. Records per invocation (normal / premium): ` +
      (["deployed", "unfiltered"] as const).map((d) => `${d} ${ROUTE_NAMES.map((r) => designs[d].routes[r].recordsPerBatch.toFixed(2)).join(" / ")}`).join("; ") +
      ".",
  );
  if (perSecond > PARTITION_WRITES_PER_SECOND) {
    notes.push(`${perSecond.toFixed(0)} writes a second is more than one DynamoDB partition takes (1,000 WCU): the table will have several stream shards, each batching separately, so expect more, smaller batches than this single-shard model shows.`);
  }
  for (const d of ["deployed", "unfiltered"] as const) {
    for (const r of ROUTE_NAMES) {
      const busy = designs[d].routes[r].shardBusy;
      if (busy > 1) notes.push(`${d}, ${r}: the processor would be busy ${(busy * 100).toFixed(0)} % of the month on one shard: the pipe cannot keep up (raise the batch size or the memory).`);
    }
  }
  const durationSources = [...new Set(ROUTE_NAMES.map((r) => input.durations[r].source))];
  notes.push(
    `Lambda duration per invocation: ${ROUTE_NAMES.map((r) => `${r} ${input.durations[r].perInvocationMs} ms + ${input.durations[r].perRecordMs} ms per record`).join(", ")} ` +
      `(${durationSources.join("; ")}), billed rounded up to 1 ms: ${ROUTE_NAMES.map((r) => `${r} ${designs.deployed.routes[r].billedMsPerInvocation || "-"} ms`).join(", ")} deployed. ` +
      `Lambda at ${settings.lambdaMemoryMb} MB gets a fraction of a vCPU (one full vCPU at 1,769 MB), so handler time on Lambda is longer than on the bench's core; pass --duration-ms with the REPORT lines' Duration to price what you measure.`,
  );
  const seed = sample.seedFilters;
  for (const r of ROUTE_NAMES) {
    const f = seed[r];
    if (!f) continue; // a route the seed does not have
    const matched = sample.seedMatches ? `matches ${sample.seedMatches[r]} of ${sample.size} sample records` : "cannot be evaluated without records (a report has none)";
    const why = f.neverMatches[0] ?? "";
    notes.push(
      f.pipes.accepted
        ? `seedLiteral, ${r}: the seed's filter is accepted by EventBridge Pipes and ${matched} even evaluated as an event bus would: ${why} The pipe exists (it polls the stream) and invokes nothing: zero orders processed.`
        : `seedLiteral, ${r}: the seed's filter would be REFUSED when the pipe is created (${f.pipes.reason}), so the pipe never exists; evaluated as an event bus would, it ${matched}. ` +
            `(With CloudFormation, as in the seed, the refused pipe fails the whole stack; priced here as if only the accepted pipe existed.)`,
    );
  }
  const filteredInHandler = ROUTE_NAMES.reduce((n, r) => n + sample.designs.unfiltered[r].delivered.filter((x) => x.outcome === "filtered").length * input.profile.routes[r].logBytesPerRecord.filtered, 0) * (perMonth / sample.size);
  if (filteredInHandler > 0) {
    notes.push(
      `unfiltered: the shipped processors write a WARN line for every record their own filter check drops (they expect the pipe to have dropped it): ` +
        `${(filteredInHandler / 1024 ** 3).toFixed(2)} GB, $${((filteredInHandler / 1024 ** 3) * prices.prices.logsIngestionGb.usd).toFixed(2)}, of the unfiltered design's logs. ` +
        `A processor written for unfiltered input would drop them silently.`,
    );
  }
  notes.push(
    `DynamoDB Streams reads: each existing pipe calls GetRecords about 4 times a second on the shard whatever the traffic (eb-pipes-dynamodb.html). AWS says only Lambda-based consumers read for free (CostOptimization_StreamsUsage.html); ` +
      `that EventBridge Pipes is charged is an inference, unverified. The line is the same for the deployed and unfiltered designs.`,
  );
  notes.push("No free tier is applied (free tiers are per account, shared with everything else in it). Not priced: the table's own writes and storage, the pipes' ERROR-level logs, retries, cold-start init time, data transfer (all in one region).");
  const keys = Object.keys(PRICE_KEYS) as PriceKey[];
  const fromAws = keys.filter((k) => prices.prices[k].from === "aws");
  const fromSecondary = keys.filter((k) => prices.prices[k].from === "secondary");
  notes.push(
    `Prices (${path.relative(process.cwd(), prices.file) || prices.file}, ${prices.region}, checked ${prices.checked}): ${fromAws.length ? `from AWS pages: ${fromAws.join(", ")}; ` : "none read from an AWS page (their figures render client-side); "}` +
      `from secondary sources: ${fromSecondary.length ? fromSecondary.join(", ") : "none"}. Each price's source and the AWS billing rule behind it are in the file.`,
  );
  notes.push(...(input.extraNotes ?? []));
  return {
    stack: input.stack,
    region: prices.region,
    perMonth,
    input: input.input,
    settings,
    prices: { file: path.relative(process.cwd(), prices.file) || prices.file, checked: prices.checked, fromAws, fromSecondary },
    designs,
    saving: saving(designs),
    notes,
  };
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
