import { DECLARED_ROUTE_NAMES as ROUTE_NAMES } from "../routing/stackRoutes";
import { type CostEstimate, fmt } from "./estimate";
import { LINES, type Line } from "./model";
import { DESIGNS } from "./sample";

// The estimate for people (a table: designs as columns, lines as rows) and for programs (one
// JSON object).

const GIB = 1024 ** 3;

export function usd(x: number): string {
  if (x === 0) return "$0.00";
  return x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const LINE_LABELS: Record<Line, string> = {
  pipeRequests: "EventBridge Pipes requests",
  lambdaRequests: "Lambda requests",
  lambdaDuration: "Lambda duration",
  streamReads: "DynamoDB Streams reads (unverified)",
  dlqRequests: "SQS DLQ requests",
  logIngestion: "CloudWatch Logs ingestion",
  customMetrics: "CloudWatch custom metrics (EMF)",
};

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

export function renderTable(e: CostEstimate): string {
  const d = e.designs;
  const rows: [string, ...string[]][] = [];
  const row = (label: string, f: (design: (typeof DESIGNS)[number]) => string) => rows.push([label, ...DESIGNS.map(f)]);
  row("records reaching processors", (x) => fmt(d[x].recordsDelivered));
  row("orders processed", (x) => fmt(d[x].ordersProcessed));
  row("records per invocation (normal / premium)", (x) => ROUTE_NAMES.map((r) => (d[x].routes[r].lambdaInvocations ? d[x].routes[r].recordsPerBatch.toFixed(1) : "-")).join(" / "));
  row("Lambda invocations", (x) => fmt(d[x].lambdaInvocations));
  row("pipe requests (64 KB chunks)", (x) => fmt(d[x].pipeRequests));
  row(`Lambda GB-seconds (${e.settings.lambdaMemoryMb} MB, ${e.settings.lambdaArchitecture})`, (x) => d[x].lambdaGbSeconds.toLocaleString("en-US", { maximumFractionDigits: 1 }));
  row("DynamoDB Streams GetRecords calls", (x) => fmt(d[x].streamReads));
  row("SQS DLQ requests", (x) => fmt(d[x].dlqRequests));
  row("CloudWatch Logs ingested (GB)", (x) => (d[x].logBytes / GIB).toFixed(2));
  row("custom metrics", (x) => fmt(d[x].customMetrics));
  rows.push(["monthly USD", "", "", ""]);
  for (const line of LINES) row(`  ${LINE_LABELS[line]}`, (x) => usd(d[x].usd[line]));
  row("  total", (x) => usd(d[x].monthlyUsd));

  const header: [string, ...string[]] = ["", ...DESIGNS];
  const width0 = Math.max(...[header, ...rows].map((r) => r[0].length));
  const widths = DESIGNS.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i + 1].length)));
  const render = (r: string[]) => [r[0].padEnd(width0), ...r.slice(1).map((c, i) => c.padStart(widths[i]))].join("   ").trimEnd();

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
    "",
    render(header),
    ...rows.map(render),
    "",
    `saving of deployed against unfiltered: ${usd(e.saving.usd)} a month (${e.saving.percent.toFixed(1)} %), ` +
      `${fmt(d.unfiltered.lambdaInvocations - d.deployed.lambdaInvocations)} fewer Lambda invocations; the same ${fmt(d.deployed.ordersProcessed)} orders processed.`,
    `seedLiteral: ${usd(d.seedLiteral.monthlyUsd)} a month and ${fmt(d.seedLiteral.ordersProcessed)} orders processed: the seed's filters as written process nothing on AWS.`,
    "",
    "notes:",
    ...e.notes.map((n) => `- ${wrap(n, 110, "  ")}`),
  ];
  return `${out.join("\n")}\n`;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function toJson(e: CostEstimate): object {
  const design = (x: (typeof DESIGNS)[number]) => {
    const c = e.designs[x];
    const money = (u: Record<Line, number>) => Object.fromEntries(LINES.map((l) => [l, round(u[l], 6)]));
    return {
      lambdaInvocations: c.lambdaInvocations,
      pipeRequests: c.pipeRequests,
      ordersProcessed: c.ordersProcessed,
      monthlyUsd: round(c.monthlyUsd, 6),
      recordsDelivered: c.recordsDelivered,
      lambdaGbSeconds: round(c.lambdaGbSeconds, 3),
      streamReads: c.streamReads,
      dlqRequests: c.dlqRequests,
      logBytes: c.logBytes,
      customMetrics: c.customMetrics,
      usd: money(c.usd),
      routes: Object.fromEntries(
        ROUTE_NAMES.map((r) => {
          const rc = c.routes[r];
          return [
            r,
            {
              pipeCreated: rc.pipeCreated,
              recordsDelivered: rc.recordsDelivered,
              recordsPerBatch: round(rc.recordsPerBatch, 4),
              lambdaInvocations: rc.lambdaInvocations,
              pipeRequests: rc.pipeRequests,
              billedMsPerInvocation: rc.billedMsPerInvocation,
              lambdaGbSeconds: round(rc.lambdaGbSeconds, 3),
              streamReads: rc.streamReads,
              dlqRequests: rc.dlqRequests,
              logBytes: rc.logBytes,
              customMetrics: rc.customMetrics,
              ordersProcessed: rc.ordersProcessed,
              usd: money(rc.usd),
              monthlyUsd: round(rc.monthlyUsd, 6),
            },
          ];
        }),
      ),
    };
  };
  return {
    stack: e.stack,
    region: e.region,
    perMonth: e.perMonth,
    input: e.input,
    settings: e.settings,
    prices: e.prices,
    designs: Object.fromEntries(DESIGNS.map((x) => [x, design(x)])),
    saving: { usd: round(e.saving.usd, 6), percent: round(e.saving.percent, 2) },
    notes: e.notes,
  };
}
