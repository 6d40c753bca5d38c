import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Scenario, Step } from "./scenario";
import { runStep } from "./scenarioSteps";

// Writes a scenario's steps to the table, several at a time: steps of different orders run
// concurrently, the steps of one order strictly one after the other and in the file's order
// (what stream order guarantees is per item, so that is all a story can rely on), and a
// `wait` step waits for everything before it. The first write DynamoDB refuses stops the run;
// the error names the file and the step.

export class ScenarioStepError extends Error {
  constructor(
    readonly source: string,
    readonly index: number,
    readonly step: Step,
    readonly cause: Error,
  ) {
    super(`${source}: steps[${index}] (${describeStep(step)}): DynamoDB refused the write: ${cause.message}`);
  }
}

export function describeStep(step: Step): string {
  if ("put" in step) return `put ${step.put.orderId}`;
  if ("update" in step) return `update ${step.update.orderId}`;
  if ("delete" in step) return `delete ${step.delete.orderId}`;
  return `wait ${step.wait}`;
}

const orderOf = (step: Step): string | undefined =>
  "put" in step ? (step.put.orderId as string) : "update" in step ? step.update.orderId : "delete" in step ? step.delete.orderId : undefined;

export interface RunOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Called after each write with its order and when it started (latency tracking). */
  readonly onWrite: (orderId: string, startedAt: number) => void;
  /** Writes in flight at once (default 8). */
  readonly concurrency?: number;
  /** Stops issuing steps (those in flight complete). */
  readonly signal?: AbortSignal;
}

export interface RunResult {
  /** Steps written (waits not counted). */
  readonly written: number;
  readonly interrupted: boolean;
}

function abortableWait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}

/** Runs the steps; throws a ScenarioStepError (after the writes in flight end) for the first refused one. */
export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunResult> {
  const concurrency = opts.concurrency ?? 8;
  const inFlight = new Set<Promise<void>>();
  /** Each order's last step in flight, which its next step waits for. */
  const tails = new Map<string, Promise<void>>();
  const failures: ScenarioStepError[] = [];
  let written = 0;

  const settleAll = async () => {
    await Promise.all(inFlight);
  };

  for (let index = 0; index < scenario.steps.length; index++) {
    if (opts.signal?.aborted || failures.length > 0) break;
    const step = scenario.steps[index];
    if ("wait" in step) {
      await settleAll();
      await abortableWait(step.wait, opts.signal);
      continue;
    }
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (opts.signal?.aborted || failures.length > 0) break;
    const orderId = orderOf(step) as string;
    const previous = tails.get(orderId);
    const run = (async () => {
      if (previous) await previous;
      if (failures.length > 0 || opts.signal?.aborted) return; // an earlier step failed: do not write past it
      try {
        await runStep(step, opts.client, opts.tableName, opts.onWrite);
        written++;
      } catch (err) {
        failures.push(new ScenarioStepError(scenario.source, index, step, err as Error));
      }
    })();
    const tracked = run.finally(() => {
      inFlight.delete(tracked);
      if (tails.get(orderId) === tracked) tails.delete(orderId);
    });
    inFlight.add(tracked);
    tails.set(orderId, tracked);
  }
  await settleAll();
  if (failures.length > 0) throw failures.sort((a, b) => a.index - b.index)[0];
  return { written, interrupted: opts.signal?.aborted ?? false };
}
