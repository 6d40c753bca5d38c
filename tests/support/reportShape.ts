import { strict as assert } from "node:assert";
import { ORDERS_LISTED } from "../../local/ledger";

// The shape of `local --report-json` (local/reportJson.ts, version 2), shared with the reader
// `cost --from-report`: exactly these keys, numbers, and null for a summary with count 0.

/** Every key of version 2, by hand; `null | number` where the schema allows null. */
const SCHEMA_KEYS = {
  top: ["durationMs", "pipes", "routes", "scenario", "stack", "startedAt", "version"],
  pipe: ["architecture", "batchSize", "batchSizes", "batchingWindowSeconds", "counts", "handlerDurationMs", "heartbeatRecords", "invocations", "logBytes", "memoryMb", "pipe", "processor", "routes"],
  pipeCounts: ["deadLettered", "delivered", "filtered", "read", "retried"],
  route: ["counts", "heartbeats", "latencyMs", "orders", "pipe", "repeats", "route"],
  routeCounts: ["deadLettered", "filtered", "processed", "read", "rejected", "skipped"],
  invocations: ["failed", "total"],
  batchSizes: ["count", "max", "mean", "min", "p50"],
  latencyMs: ["count", "max", "p50", "p99"],
  heartbeats: ["count", "max", "p50", "p99"],
  handlerDurationMs: ["count", "max", "mean", "p50", "p99"],
};

function checkSummary(owner: string, part: string, summary: Record<string, unknown>, keys: string[]): void {
  assert.deepEqual(Object.keys(summary).sort(), keys, `${owner}.${part}`);
  for (const [k, v] of Object.entries(summary)) {
    if (part !== "counts" && part !== "invocations" && summary.count === 0 && k !== "count") assert.equal(v, null, `${owner}.${part}.${k}`);
    else assert.equal(typeof v, "number", `${owner}.${part}.${k}`);
  }
}

/** Checks a report file against the schema's shape; returns it. */
export function checkReportShape(json: Record<string, any>): Record<string, any> {
  assert.deepEqual(Object.keys(json).sort(), SCHEMA_KEYS.top);
  assert.equal(json.version, 2);
  assert.ok(!Number.isNaN(Date.parse(json.startedAt)));
  for (const p of json.pipes) {
    assert.deepEqual(Object.keys(p).sort(), SCHEMA_KEYS.pipe);
    checkSummary(p.pipe, "counts", p.counts, SCHEMA_KEYS.pipeCounts);
    for (const part of ["invocations", "batchSizes", "handlerDurationMs"] as const) checkSummary(p.pipe, part, p[part], SCHEMA_KEYS[part]);
    assert.equal(typeof p.logBytes, "number");
    assert.ok(Number.isInteger(p.heartbeatRecords) && p.heartbeatRecords >= 0, `${p.pipe}.heartbeatRecords`);
    assert.ok(Array.isArray(p.routes) && p.routes.length > 0, p.pipe);
  }
  for (const r of json.routes) {
    assert.deepEqual(Object.keys(r).sort(), SCHEMA_KEYS.route);
    checkSummary(r.route, "counts", r.counts, SCHEMA_KEYS.routeCounts);
    checkSummary(r.route, "latencyMs", r.latencyMs, SCHEMA_KEYS.latencyMs);
    checkSummary(r.route, "heartbeats", r.heartbeats, SCHEMA_KEYS.heartbeats);
    assert.ok(Number.isInteger(r.repeats) && r.repeats >= 0, `${r.route}.repeats`);
    // The orders behind each count: at most ORDERS_LISTED named, the rest counted, and together exactly the count.
    assert.deepEqual(Object.keys(r.orders).sort(), [...SCHEMA_KEYS.routeCounts].filter((k) => k !== "read"), `${r.route}.orders`);
    for (const [outcome, o] of Object.entries(r.orders as Record<string, { orderIds: string[]; more: number }>)) {
      assert.deepEqual(Object.keys(o).sort(), ["more", "orderIds"], `${r.route}.orders.${outcome}`);
      assert.ok(o.orderIds.every((id) => typeof id === "string") && o.orderIds.length <= ORDERS_LISTED, `${r.route}.orders.${outcome}`);
      assert.equal(o.orderIds.length + o.more, r.counts[outcome], `${r.route}.orders.${outcome} names or counts every record of counts.${outcome}`);
    }
    assert.ok(json.pipes.some((p: { pipe: string; routes: string[] }) => p.pipe === r.pipe && p.routes.includes(r.route)), `${r.route} is on ${r.pipe}`);
  }
  return json;
}
