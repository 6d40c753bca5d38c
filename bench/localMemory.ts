import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { LocalPipeline } from "../local/runtime";
import { parseScenario } from "../local/scenario";
import { runScenario } from "../local/scenarioRunner";

// Peak memory of a local run, each size in a fresh process (a process's peak RSS never goes
// down, so sizes must not share one): `orders` orders written through the scenario runner and
// handled by both pipes. Latency tracking is dropped as records are handled, so 10× the
// orders should not take much more memory.

export interface MemorySample {
  readonly orders: number;
  /** RSS once the stack is ready, MB. */
  readonly readyMb: number;
  /** The process's peak RSS (getrusage), MB. */
  readonly peakMb: number;
  /** This thread's live heap once everything is handled and garbage collected, MB (what is retained). */
  readonly liveHeapMb: number;
  /** Latency-tracking entries left once everything is handled (records are kept 5 s for late log lines). */
  readonly trackedOrders: number;
}

async function sample(orders: number): Promise<MemorySample> {
  const pipeline = await LocalPipeline.start({ stack: "dev", pollIntervalMs: 50 });
  try {
    const readyMb = process.memoryUsage.rss() / 1048576;
    const steps: unknown[] = [];
    for (let i = 0; i < orders; i++) {
      steps.push({ put: { orderId: `m-${i}`, orderStatus: "pending", orderAmount: i % 4 === 0 ? 1500 + i : 150 + i, customerEmail: `c${i}@example.com` } });
    }
    for (let i = 0; i < orders; i += 4) steps.push({ update: { orderId: `m-${i}`, set: { orderStatus: "shipped" } } });
    await runScenario(parseScenario({ name: `${orders} orders`, steps }, "memory.yaml"), {
      client: pipeline.dynamo,
      tableName: pipeline.tableName,
      onWrite: (id, at) => pipeline.recordWrite(id, at),
    });
    await pipeline.settle({ timeoutMs: 300000 });
    const peakMb = process.resourceUsage().maxRSS / 1024;
    (global as { gc?: () => void }).gc?.();
    return { orders, readyMb, peakMb, liveHeapMb: process.memoryUsage().heapUsed / 1048576, trackedOrders: pipeline.trackedEntries.orders };
  } finally {
    await pipeline.stop();
  }
}

/** Runs `sample(orders)` in a child process (this file, run directly). */
export function measureMemory(orders: number): MemorySample {
  const out = spawnSync(process.execPath, ["--expose-gc", "-r", path.join(__dirname, "..", "tests", "support", "register.js"), __filename, String(orders)], {
    cwd: `${__dirname}/..`,
    encoding: "utf8",
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  const line = out.stdout.split("\n").find((l) => l.startsWith("{"));
  if (out.status !== 0 || !line) throw new Error(`memory sample of ${orders} orders failed (${out.status}):\n${out.stdout}\n${out.stderr}`);
  return JSON.parse(line) as MemorySample;
}

if (require.main === module) {
  sample(Number(process.argv[2])).then(
    (s) => console.log(JSON.stringify(s)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
