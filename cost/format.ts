import { ASSUMPTION_INFO, type Assumptions, RULES } from "./assumptions";
import { type Design, DESIGN_SPECS, DESIGNS } from "./designs";
import { assumptionText, type CostEstimate, fmt, LINE_LABELS, usd } from "./estimate";
import { LINES, type Line } from "./model";
import { PRICE_KEYS, type PriceKey } from "./priceList";

// The estimate for people (a table: designs as columns, lines as rows) and for programs (one
// JSON object, schemaVersion 2).

export const SCHEMA_VERSION = 2;
const GIB = 1024 ** 3;
const ASSUMPTION_KEYS: readonly (keyof Assumptions)[] = ["pipesBillingUnit", "pipesStreamReads", "shards"];

function wrap(text: string, width: number, indent: string): string {
  const words = text.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : indent + l)).join("\n");
}

function columns(header: string[], rows: string[][]): string[] {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[0]) : c.padStart(widths[i]))).join("   ").trimEnd());
}

export function renderTable(e: CostEstimate): string {
  const d = e.designs;
  const rows: string[][] = [];
  const row = (label: string, f: (design: Design) => string) => rows.push([label, ...DESIGNS.map(f)]);
  row("records reaching processors", (x) => fmt(d[x].recordsDelivered));
  row("orders processed", (x) => fmt(d[x].ordersProcessed));
  const routes = e.pipes.flatMap((p) => p.routes);
  if (routes.length > 1) for (const r of routes) row(`  ${r}`, (x) => fmt(d[x].routes[r].ordersProcessed));
  e.pipes.forEach((p, i) => row(`records per invocation, ${p.pipeResource}`, (x) => (d[x].pipes[i].lambdaInvocations ? d[x].pipes[i].recordsPerBatch.toFixed(1) : "-")));
  row("Lambda invocations", (x) => fmt(d[x].lambdaInvocations));
  row(`pipe requests (${e.assumptions.pipesBillingUnit === "chunk64k" ? "64 KB chunks" : "events"})`, (x) => fmt(d[x].pipeRequests));
  row(`Lambda GB-seconds (${e.settings.lambdaMemoryMb} MB, ${e.settings.lambdaArchitecture})`, (x) => d[x].lambdaGbSeconds.toLocaleString("en-US", { maximumFractionDigits: 1 }));
  row("DynamoDB Streams GetRecords calls", (x) => fmt(d[x].streamReads));
  row("  of which charged", (x) => fmt(d[x].streamReadsCharged));
  row("SQS DLQ requests", (x) => fmt(d[x].dlqRequests));
  row("effects-once writes (idempotency table)", (x) => fmt(d[x].effectWrites));
  row("CloudWatch Logs ingested (GB)", (x) => (d[x].logBytes / GIB).toFixed(2));
  row("custom metrics (metric-months)", (x) => `${d[x].customMetrics} (${d[x].metricMonths.toFixed(1)})`);
  if (d.deployed.canary) {
    row(`canary: heartbeat writes (every ${d.deployed.canary.heartbeatMinutes} min)`, (x) => fmt(d[x].canary?.tableWrites ?? 0));
    row("canary: heartbeat invocations", (x) => fmt(d[x].canary?.lambdaInvocations ?? 0));
  }
  rows.push(["monthly USD"]);
  for (const line of LINES) row(`  ${LINE_LABELS[line]}`, (x) => usd(d[x].usd[line]));
  row("  total", (x) => usd(d[x].monthlyUsd));

  const input = e.input;
  const source =
    input.kind === "records"
      ? `${input.file}: priced ${fmt(input.records)} of ${fmt(input.lines ?? input.records)} lines${input.badLines ? ` (${input.badLines} not stream records, reported on stderr)` : ""}`
      : input.kind === "scenario"
        ? `scenario ${input.file}: ${fmt(input.records)} stream records${input.detail ? ` (${input.detail})` : ""}`
        : `report ${input.file}: ${fmt(input.records)} records read per pipe${input.detail ? ` (${input.detail})` : ""}`;
  const out: string[] = [
    `orders-pipeline cost: stack ${e.stack} (${e.region}, batch ${e.settings.batchSize}, window ${e.settings.batchingWindowSeconds} s, ${e.settings.lambdaMemoryMb} MB ${e.settings.lambdaArchitecture}), ${fmt(e.perMonth)} record changes a month`,
    `sample: ${source}`,
    `pipes: ${e.pipes.map((p) => `${p.pipeResource} (${p.routes.join(", ")})`).join(", ")}`,
    `assumptions: ${ASSUMPTION_KEYS.map((k) => assumptionText(e, k)).join("; ")}`,
    "",
    ...columns(["", ...DESIGNS], rows),
    "",
    wrap(e.headline.text, 110, ""),
    wrap(e.seedVerdict, 110, "  "),
  ];
  if (e.sensitivity) {
    out.push("", "sensitivity: the headline under every combination of the assumptions");
    out.push(
      ...columns(
        ["  pipes billed per", "stream reads", "shards", "deployed", "cheapest other design", "pipes cost more by"],
        e.sensitivity.map((s) => [
          `  ${s.assumptions.pipesBillingUnit}`,
          s.assumptions.pipesStreamReads,
          String(s.assumptions.shards),
          usd(s.deployedUsd),
          `${s.cheapest} ${usd(s.cheapestUsd)}`,
          s.differenceUsd > 0 ? usd(s.differenceUsd) : `${usd(s.differenceUsd)} (deployed cheapest)`,
        ]),
      ),
    );
  }
  out.push("", "designs:", ...DESIGNS.map((x) => `- ${x}: ${DESIGN_SPECS[x].describe}`));
  if (e.unmeasured.length) out.push("", "not measured:", ...e.unmeasured.map((n) => `- ${wrap(n, 110, "  ")}`));
  out.push("", "notes:", ...e.notes.map((n) => `- ${wrap(n, 110, "  ")}`));
  return `${out.join("\n")}\n`;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const money = (u: Readonly<Record<Line, number>>) => Object.fromEntries(LINES.map((l) => [l, round(u[l], 6)]));

export function toJson(e: CostEstimate): object {
  const design = (c: CostEstimate["designs"][Design]) => ({
    transport: c.transport,
    monthlyUsd: round(c.monthlyUsd, 6),
    ordersProcessed: c.ordersProcessed,
    recordsDelivered: c.recordsDelivered,
    lambdaInvocations: c.lambdaInvocations,
    pipeRequests: c.pipeRequests,
    lambdaGbSeconds: round(c.lambdaGbSeconds, 3),
    streamReads: c.streamReads,
    streamReadsCharged: c.streamReadsCharged,
    dlqRequests: c.dlqRequests,
    effectWrites: c.effectWrites,
    logBytes: c.logBytes,
    customMetrics: c.customMetrics,
    metricMonths: round(c.metricMonths, 4),
    usd: money(c.usd),
    pipes: c.pipes.map((p) => ({
      owner: p.owner,
      routes: p.routes,
      exists: p.exists,
      recordsDelivered: p.recordsDelivered,
      recordsPerBatch: round(p.recordsPerBatch, 4),
      lambdaInvocations: p.lambdaInvocations,
      pipeRequests: p.pipeRequests,
      billedMsPerInvocation: p.billedMsPerInvocation,
      lambdaGbSeconds: round(p.lambdaGbSeconds, 3),
      streamReads: p.streamReads,
      streamReadsCharged: p.streamReadsCharged,
      dlqRequests: p.dlqRequests,
      effectWrites: p.effectWrites,
      logBytes: p.logBytes,
      customMetrics: p.customMetrics,
      metricMonths: round(p.metricMonths, 4),
      usd: Object.fromEntries(Object.entries(p.usd).map(([k, v]) => [k, round(v, 6)])),
    })),
    routes: c.routes,
    ...(c.canary
      ? {
          canary: {
            ...c.canary,
            lambdaGbSeconds: round(c.canary.lambdaGbSeconds, 3),
            metricMonths: round(c.canary.metricMonths, 4),
            usd: Object.fromEntries(Object.entries(c.canary.usd).map(([k, v]) => [k, round(v, 6)])),
          },
        }
      : {}),
  });
  const prices = e.prices.prices;
  return {
    schemaVersion: SCHEMA_VERSION,
    stack: e.stack,
    region: e.region,
    perMonth: e.perMonth,
    input: e.input,
    settings: e.settings,
    pipes: e.pipes.map((p) => ({ owner: p.owner, pipe: p.pipeResource, processor: p.processorResource, routes: p.routes })),
    assumptions: Object.fromEntries(
      ASSUMPTION_KEYS.map((k) => [k, { value: e.assumptions[k], set: e.assumptionsSet.includes(k) ? "option" : "default", option: ASSUMPTION_INFO[k].option, values: ASSUMPTION_INFO[k].values, verified: ASSUMPTION_INFO[k].verified, source: ASSUMPTION_INFO[k].source }]),
    ),
    rules: RULES,
    prices: {
      file: e.prices.file,
      region: e.prices.region,
      checked: e.prices.checked,
      units: Object.fromEntries(
        (Object.keys(PRICE_KEYS) as PriceKey[]).map((k) => [k, { usd: prices[k].usd, ...(prices[k].tiers ? { tiers: prices[k].tiers } : {}), unit: prices[k].unit, from: prices[k].from, source: prices[k].source, rule: prices[k].rule }]),
      ),
    },
    designs: Object.fromEntries(DESIGNS.map((x) => [x, design(e.designs[x])])),
    headline: {
      deployedUsd: round(e.headline.deployedUsd, 6),
      cheapest: e.headline.cheapest,
      cheapestUsd: round(e.headline.cheapestUsd, 6),
      differenceUsd: round(e.headline.differenceUsd, 6),
      percent: round(e.headline.percent, 2),
      pipesCostMore: e.headline.differenceUsd > 0,
      ordersProcessed: e.headline.ordersProcessed,
      because: e.headline.because.map((b) => ({ line: b.line, usd: round(b.usd, 6) })),
      text: e.headline.text,
    },
    seedLiteral: { verdict: e.seedVerdict, ...design(e.seedLiteral) },
    ...(e.sensitivity
      ? {
          sensitivity: e.sensitivity.map((s) => ({
            ...s.assumptions,
            deployedUsd: round(s.deployedUsd, 6),
            cheapest: s.cheapest,
            cheapestUsd: round(s.cheapestUsd, 6),
            differenceUsd: round(s.differenceUsd, 6),
          })),
        }
      : {}),
    unmeasured: e.unmeasured,
    notes: e.notes,
  };
}
