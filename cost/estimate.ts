import * as path from "node:path";
import type { PipeGroup } from "../routing/pipes";
import type { RouteName } from "../routing/route";
import { ASSUMPTION_INFO, type Assumptions, defaultShards, sensitivityCombinations } from "./assumptions";
import { SECONDS_PER_MONTH } from "./batching";
import { type Design, DESIGNS } from "./designs";
import type { CanaryLoad } from "./canary";
import type { ResolvedProfile } from "./handlerProfile";
import { checkFinite, type DesignCost, type DesignSettings, type DurationModel, LINES, type Line, type ModelInput, priceDesigns, priceSeedLiteral } from "./model";
import { PRICE_KEYS, type PriceKey, type RegionPrices } from "./priceList";
import type { Sample } from "./sample";

// One cost estimate: the designs priced on the same sample, the headline (deployed against
// the cheapest design that processes the same orders), the seed's verdict, the assumptions
// and the notes a reader needs to trust or challenge the figures.

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
  readonly assumptions: Assumptions;
  /** Which assumptions the user set (the others are the defaults). */
  readonly assumptionsSet: readonly (keyof Assumptions)[];
  readonly durations: Readonly<Record<RouteName, DurationModel>>;
  readonly profile: ResolvedProfile;
  readonly prices: RegionPrices;
  readonly sensitivity?: boolean;
  readonly extraNotes?: readonly string[];
  /** The canary's load (cost/canary.ts). */
  readonly canary?: CanaryLoad;
}

export interface Headline {
  readonly deployedUsd: number;
  /** The cheapest of the other designs (they all process the same orders). */
  readonly cheapest: Design;
  readonly cheapestUsd: number;
  /** deployed - cheapest: positive when pipes cost more. */
  readonly differenceUsd: number;
  /** The difference as a share of the cheaper of the two. */
  readonly percent: number;
  readonly ordersProcessed: number;
  /** Lines that make the difference, largest first. */
  readonly because: readonly { readonly line: Line; readonly usd: number }[];
  readonly text: string;
}

export interface SensitivityRow {
  readonly assumptions: Assumptions;
  readonly deployedUsd: number;
  readonly cheapest: Design;
  readonly cheapestUsd: number;
  readonly differenceUsd: number;
}

export interface CostEstimate {
  readonly stack: string;
  readonly region: string;
  readonly perMonth: number;
  readonly input: InputInfo;
  readonly settings: DesignSettings;
  readonly pipes: readonly PipeGroup[];
  readonly assumptions: Assumptions;
  readonly assumptionsSet: readonly (keyof Assumptions)[];
  readonly prices: RegionPrices;
  readonly designs: Readonly<Record<Design, DesignCost>>;
  readonly headline: Headline;
  readonly seedLiteral: DesignCost;
  readonly seedVerdict: string;
  readonly sensitivity?: readonly SensitivityRow[];
  /** What routes or pipes without measurements are priced with. */
  readonly unmeasured: readonly string[];
  readonly notes: readonly string[];
}

export const LINE_LABELS: Readonly<Record<Line, string>> = {
  pipeRequests: "EventBridge Pipes requests",
  lambdaRequests: "Lambda requests",
  lambdaDuration: "Lambda duration",
  streamReads: "DynamoDB Streams reads",
  dlqRequests: "SQS DLQ requests",
  effectWrites: "DynamoDB effects-once writes",
  logIngestion: "CloudWatch Logs ingestion",
  customMetrics: "CloudWatch custom metrics (EMF)",
  canary: "canary (liveness heartbeats)",
};

export function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function usd(x: number): string {
  if (x === 0) return "$0.00";
  return Math.abs(x) < 0.01 ? `$${x.toFixed(4)}` : `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function compare(designs: Readonly<Record<Design, DesignCost>>): Omit<Headline, "text"> {
  const deployed = designs.deployed;
  const others = DESIGNS.filter((d) => d !== "deployed");
  const cheapest = others.reduce((a, b) => (designs[b].monthlyUsd < designs[a].monthlyUsd ? b : a));
  const other = designs[cheapest];
  const differenceUsd = deployed.monthlyUsd - other.monthlyUsd;
  const base = Math.min(deployed.monthlyUsd, other.monthlyUsd);
  const sign = Math.sign(differenceUsd) || 1;
  const because = LINES.map((line) => ({ line, usd: deployed.usd[line] - other.usd[line] }))
    .filter((x) => Math.sign(x.usd) === sign && Math.abs(x.usd) >= 0.005)
    .sort((a, b) => Math.abs(b.usd) - Math.abs(a.usd));
  return { deployedUsd: deployed.monthlyUsd, cheapest, cheapestUsd: other.monthlyUsd, differenceUsd, percent: base === 0 ? 0 : (Math.abs(differenceUsd) / base) * 100, ordersProcessed: deployed.ordersProcessed, because };
}

function headlineOf(designs: Readonly<Record<Design, DesignCost>>): Headline {
  const h = compare(designs);
  const parts = h.because.slice(0, 3).map((b) => `${LINE_LABELS[b.line]} ${usd(Math.abs(b.usd))}`).join(", ");
  const text =
    h.differenceUsd > 0
      ? `deployed (pipes with filters) costs ${usd(h.deployedUsd)} a month; the cheapest design that processes the same ${fmt(h.ordersProcessed)} orders is ${h.cheapest} at ${usd(h.cheapestUsd)}: ` +
        `the pipes cost ${usd(h.differenceUsd)} (${h.percent.toFixed(1)} %) more${parts ? `, mostly ${parts}` : ""}.`
      : `deployed (pipes with filters) is the cheapest design that processes these ${fmt(h.ordersProcessed)} orders: ${usd(h.deployedUsd)} a month, ` +
        `${usd(-h.differenceUsd)} (${h.percent.toFixed(1)} %) less than the next, ${h.cheapest} at ${usd(h.cheapestUsd)}${parts ? `, mostly ${parts}` : ""}.`;
  return { ...h, text };
}

function seedVerdictOf(sample: Sample, seed: DesignCost): string {
  if (sample.seed.length === 0) return "seed's filters as written: none of the seed's routes (normal, premium) is declared; no verdict.";
  const each = sample.seed.map((s) => {
    const matched = s.matches === undefined ? "cannot be evaluated without records (a report has none)" : `matches ${fmt(s.matches)} of ${fmt(sample.size)} sample records`;
    // "path: why it never matches: the long explanation" -> "path: why it never matches"
    const why = s.filter.neverMatches[0] ? ` (${s.filter.neverMatches[0].split(": ").slice(0, 2).join(": ")})` : "";
    return s.filter.pipes.accepted ? `${s.route}'s is accepted by a pipe and ${matched}${why}` : `${s.route}'s would be refused when its pipe is created (${s.filter.pipes.reason.replace(/\.$/, "")})`;
  });
  const nothing = seed.ordersProcessed === 0 ? "they process nothing on AWS" : `they process ${fmt(seed.ordersProcessed)} orders`;
  return `seed's filters as written (a verdict, not a design): ${usd(seed.monthlyUsd)} a month and ${fmt(seed.ordersProcessed)} orders processed: ${nothing}. ${each.join("; ")}.`;
}

function notesOf(input: EstimateInput, designs: Readonly<Record<Design, DesignCost>>): string[] {
  const { perMonth, settings, assumptions, prices, sample } = input;
  const notes: string[] = [];
  const perSecond = perMonth / SECONDS_PER_MONTH;
  const perBatch = (d: Design) => designs[d].pipes.map((p) => (p.lambdaInvocations ? p.recordsPerBatch.toFixed(2) : "-")).join(" / ");
  notes.push(
    `Arrival model: ${fmt(perMonth)} record changes a month arrive evenly, ${perSecond.toFixed(2)} a second, over ${assumptions.shards} stream shard${assumptions.shards === 1 ? "" : "s"}; ` +
      `each reader (one per declared pipe: ${input.sample.pipes.map((p) => `${p.group.pipeResource} for ${p.group.routes.join(", ")}`).join("; ")}) polls every shard four times a second, filters, then batches what passed: ` +
      `a batch opens with its first record and gathers for max(batching window ${settings.batchingWindowSeconds} s, one 0.25 s poll), up to ${settings.batchSize} records. ` +
      `Records per invocation (${input.sample.pipes.map((p) => p.group.owner).join(" / ")}): ${DESIGNS.map((d) => `${d} ${perBatch(d)}`).join("; ")}.`,
  );
  for (const d of DESIGNS) {
    for (const p of designs[d].pipes) {
      if (p.shardBusy > 1) notes.push(`${d}, ${p.owner}'s pipe: the processor would be busy ${(p.shardBusy * 100).toFixed(0)} % of the month on each shard: the reader cannot keep up (raise the batch size or the memory).`);
    }
  }
  const sources = [...new Set(Object.values(input.durations).map((x) => x.source))];
  notes.push(
    `Lambda duration per invocation: ${Object.entries(input.durations).map(([o, x]) => `${o}'s processor ${x.perInvocationMs} ms + ${x.perRecordMs} ms per record`).join(", ")} (${sources.join("; ")}), ` +
      `billed rounded up to 1 ms: ${designs.deployed.pipes.map((p) => `${p.owner} ${p.billedMsPerInvocation || "-"} ms`).join(", ")} deployed. ` +
      `Lambda at ${settings.lambdaMemoryMb} MB gets a fraction of a vCPU (one full vCPU at 1,769 MB), so handler time on Lambda is longer than on the bench's core; pass --duration-ms with the REPORT lines' Duration to price what you measure.`,
  );
  notes.push(
    `esmFiltered and esmUnfiltered: one Lambda event source mapping per declared pipe (a shard serves two readers, whatever they are), the same batch size, window and retries, ` +
      `an on-failure destination to the same DLQ; the processors would take {"Records": [...]} instead of a bare array and name failed records by SequenceNumber instead of eventID (aws-facts section 5). ` +
      `An ESM reads the stream for free and bills nothing per record. What pipes add over an ESM (enrichment, input transformers, targets other than Lambda) this stack does not use.`,
  );
  notes.push(
    `esmUnfiltered and pipesUnfiltered: every record reaches every processor, which drops what none of its routes wants without a log line (as a processor written for unfiltered input would; ` +
      `the shipped processors log a WARN record.filtered line for such a record, because their pipe should have dropped it). A dropped record still costs handler time.`,
  );
  notes.push(
    `DynamoDB Streams reads: each reader calls GetRecords four times a second on each shard whatever the traffic; free for an event source mapping (verified: DynamoDB pricing), ` +
      `${assumptions.pipesStreamReads} for a pipe (an assumption, --pipes-stream-reads): ${fmt(designs.deployed.streamReads)} calls, ${usd(designs.deployed.usd.streamReads)} of the deployed design.`,
  );
  notes.push(
    `Logs are priced through Lambda's log volume tiers on each design's total, as if they were the account's only Lambda logs; custom metrics by the hours they are sent (a metric sent in h of the 730 hours costs h/730 of a metric-month): ` +
      `${DESIGNS.map((d) => `${d} ${designs[d].metricMonths.toFixed(2)} metric-months of ${designs[d].customMetrics} metrics`).join(", ")}.`,
  );
  const canary = designs.deployed.canary;
  if (canary && input.canary) {
    const c = input.canary;
    const parts = (Object.entries(canary.usd) as [string, number][]).filter(([, v]) => v >= 0.005).sort((a, b) => b[1] - a[1]);
    notes.push(
      `Canary (liveness, README "Liveness: the canary"): every ${c.heartbeatMinutes} min, ${c.writesPerPeriod} heartbeat writes for ${c.routes} routes (a transition or INSERT-only route takes two), ` +
        `${fmt(canary.schedulerInvocations)} Scheduler invocations and as many table writes a month, ${fmt(canary.streamRecords)} stream records, ` +
        `${fmt(canary.recordsDelivered)} of them handed to processors by the deployed pipes (each assumed to make an invocation of its own: an upper bound), ` +
        `${c.routes} Heartbeats metrics sent every hour: ${usd(designs.deployed.usd.canary)} a month deployed${parts.length ? `, mostly ${parts.slice(0, 2).map(([k, v]) => `${k} ${usd(v)}`).join(", ")}` : ""}. ` +
        `Not in the sample: the canary's load is the same whatever the orders. Scheduler's free tier (per account) is not applied.`,
    );
  }
  notes.push("No free tier is applied (free tiers are per account, shared with everything else in it). Not priced: the table's own writes and storage, the pipes' ERROR-level logs, retries, cold-start init time, data transfer (all in one region).");
  const keys = Object.keys(PRICE_KEYS) as PriceKey[];
  const fromAws = keys.filter((k) => prices.prices[k].from === "aws");
  const fromSecondary = keys.filter((k) => prices.prices[k].from === "secondary");
  notes.push(
    `Prices (${relative(prices.file)}, ${prices.region}, checked ${prices.checked}): ${fromAws.length ? `from AWS pages: ${fromAws.join(", ")}; ` : "none read from an AWS page (their figures render client-side); "}` +
      `from secondary sources: ${fromSecondary.length ? fromSecondary.join(", ") : "none"}. Each price's unit, source and the AWS billing rule behind it are in the file (and in --json).`,
  );
  if (sample.size < 100) notes.push(`The sample has only ${sample.size} stream records; every one of them stands for ${fmt(perMonth / sample.size)} a month.`);
  return notes;
}

const relative = (file: string) => path.relative(process.cwd(), file) || file;

export function estimate(input: EstimateInput): CostEstimate {
  const model: ModelInput = { sample: input.sample, perMonth: input.perMonth, settings: input.settings, assumptions: input.assumptions, durations: input.durations, profile: input.profile, prices: input.prices, canary: input.canary };
  const designs = priceDesigns(model);
  const seedLiteral = priceSeedLiteral(model);
  checkFinite([seedLiteral]);
  const sensitivity = input.sensitivity
    ? sensitivityCombinations(input.assumptions).map((assumptions): SensitivityRow => {
        const h = compare(priceDesigns({ ...model, assumptions }));
        return { assumptions, deployedUsd: h.deployedUsd, cheapest: h.cheapest, cheapestUsd: h.cheapestUsd, differenceUsd: h.differenceUsd };
      })
    : undefined;
  return {
    stack: input.stack,
    region: input.prices.region,
    perMonth: input.perMonth,
    input: input.input,
    settings: input.settings,
    pipes: input.sample.pipes.map((p) => p.group),
    assumptions: input.assumptions,
    assumptionsSet: input.assumptionsSet,
    prices: input.prices,
    designs,
    headline: headlineOf(designs),
    seedLiteral,
    seedVerdict: seedVerdictOf(input.sample, seedLiteral),
    sensitivity,
    unmeasured: input.profile.statements,
    notes: [...notesOf(input, designs), ...(input.extraNotes ?? [])],
  };
}

/** How each assumption is shown: its value, and where the value came from. */
export function assumptionText(e: Pick<CostEstimate, "assumptions" | "assumptionsSet" | "perMonth">, key: keyof Assumptions): string {
  const a = e.assumptions;
  const set = e.assumptionsSet.includes(key) ? `set by ${ASSUMPTION_INFO[key].option}` : "default";
  const verified = ASSUMPTION_INFO[key].verified ? "verified" : "unverified";
  switch (key) {
    case "pipesBillingUnit":
      return `pipes billed per ${a.pipesBillingUnit === "chunk64k" ? "64 KB chunk of a batch" : "event (64 KB chunk of each record)"} (${set}, ${verified})`;
    case "pipesStreamReads":
      return `pipes' stream reads ${a.pipesStreamReads} (${set}, ${verified})`;
    case "shards":
      return `${a.shards} stream shard${a.shards === 1 ? "" : "s"} (${e.assumptionsSet.includes("shards") ? set : `default: a new on-demand table's, ${defaultShards(e.perMonth)} at this traffic`}, ${verified})`;
  }
}

