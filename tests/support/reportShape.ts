import { strict as assert } from "node:assert";

// The shape of `local --report-json` (REPORT-SCHEMA.md, version 1), shared with the reader
// `cost --from-report`: exactly these keys, numbers, and null for a summary with count 0.

/** Every key of REPORT-SCHEMA.md version 1, by hand; `null | number` where the schema allows null. */
const SCHEMA_KEYS = {
  top: ["durationMs", "pipes", "scenario", "stack", "startedAt", "version"],
  pipe: ["architecture", "batchSize", "batchSizes", "batchingWindowSeconds", "counts", "handlerDurationMs", "invocations", "latencyMs", "logBytes", "memoryMb", "pipe", "processor", "route"],
  counts: ["deadLettered", "delivered", "filtered", "processed", "read", "rejected", "retried", "skipped"],
  invocations: ["failed", "total"],
  batchSizes: ["count", "max", "mean", "min", "p50"],
  latencyMs: ["count", "max", "p50", "p99"],
  handlerDurationMs: ["count", "max", "mean", "p50", "p99"],
};

/** Checks a report file against the schema's shape; returns it. */
export function checkReportShape(json: Record<string, any>): Record<string, any> {
  assert.deepEqual(Object.keys(json).sort(), SCHEMA_KEYS.top);
  assert.equal(json.version, 1);
  assert.ok(!Number.isNaN(Date.parse(json.startedAt)));
  for (const p of json.pipes) {
    assert.deepEqual(Object.keys(p).sort(), SCHEMA_KEYS.pipe);
    for (const part of ["counts", "invocations", "batchSizes", "latencyMs", "handlerDurationMs"] as const) {
      assert.deepEqual(Object.keys(p[part]).sort(), SCHEMA_KEYS[part], `${p.pipe}.${part}`);
      for (const [k, v] of Object.entries(p[part])) {
        if (part !== "counts" && part !== "invocations" && p[part].count === 0 && k !== "count") assert.equal(v, null, `${p.pipe}.${part}.${k}`);
        else assert.equal(typeof v, "number", `${p.pipe}.${part}.${k}`);
      }
    }
    assert.equal(typeof p.logBytes, "number");
  }
  return json;
}

