import type { Context } from "aws-lambda";
import { describeEffect, type Effect } from "../routing/effectKey";
import { type EffectsRuntime, loadEffectsRuntime } from "./effectsRuntime";

// Effects that happen once. Delivery is at least once (retries, bisection, a replayed stream,
// redrives), so each route's business step runs under Powertools for AWS Lambda's Idempotency
// utility (makeIdempotent, DynamoDB persistence) keyed on the route's effect
// (routing/effectKey.ts), not on the delivery. A repeat of an effect that completed returns
// without running the step; a step that throws deletes its in-progress record, so the retry
// runs it again (Powertools: "If an exception is raised ... the record is deleted"); an
// in-progress record of an invocation that timed out expires with the function's remaining
// time (registerLambdaContext), so the next attempt is not blocked for the whole expiry.
//
// Powertools and the DynamoDB client load on the first order that reaches a step, not at init:
// an execution environment that only sees skipped records never pays for them.

export const IDEMPOTENCY_TABLE_ENV = "ORDERS_IDEMPOTENCY_TABLE";

/**
 * How long an effect's record is kept: the longest path by which a change can come back is a
 * record that ages out or exhausts its retries up to a day after it was written (the stream
 * keeps it 24 h), is quarantined or dead-lettered, and is redriven from the DLQ up to 14 days
 * later (SQS's longest retention, which the DLQs use). 15 days covers both; DynamoDB's TTL
 * deletes records after that ("typically within a few days", DynamoDB developer guide, TTL),
 * so expired ones may linger, and Powertools treats an expired record as absent.
 */
export const EFFECT_EXPIRY_SECONDS = 15 * 24 * 60 * 60;

export type Once = "ran" | "repeat";

export interface EffectGuard {
  /** Runs `step` for `effect` unless it already completed; "repeat" when it did and the step was not run. */
  run(effect: Effect, step: () => Promise<void>): Promise<Once>;
  /** The invocation's context: an in-progress record expires with the function's remaining time. */
  setContext(context: Context | undefined): void;
}

/** Powertools' own switch (IdempotencyConfig reads it): for unit tests only; the program and the local runtime never set it. */
export const IDEMPOTENCY_DISABLED_ENV = "POWERTOOLS_IDEMPOTENCY_DISABLED";

/** One route's effects, recorded in `tableName` under the key prefix orders.<route>. */
export function effectGuard(tableName: string, route: string): EffectGuard {
  if (process.env[IDEMPOTENCY_DISABLED_ENV] === "true") {
    // Disabled as Powertools would be, without loading it at all.
    return { setContext() {}, run: async (_effect, step) => (await step(), "ran") };
  }
  let context: Context | undefined;
  let guarded: ((effect: Effect, step: () => Promise<void>) => Promise<unknown>) | undefined;
  let config: InstanceType<EffectsRuntime["IdempotencyConfig"]> | undefined;
  const load = () => {
    const { makeIdempotent, IdempotencyConfig, DynamoDBPersistenceLayer } = loadEffectsRuntime();
    config = new IdempotencyConfig({ expiresAfterSeconds: EFFECT_EXPIRY_SECONDS });
    // The key prefix is the route, not the function: a route that moves to another pipe's
    // processor keeps its effects' records.
    return makeIdempotent(
      async (_effect: Effect, step: () => Promise<void>) => {
        await step();
        return { done: true };
      },
      { persistenceStore: new DynamoDBPersistenceLayer({ tableName }), config, keyPrefix: `orders.${route}`, dataIndexArgument: 0 },
    );
  };
  return {
    setContext(c) {
      context = c;
    },
    async run(effect, step) {
      guarded ??= load();
      if (context) config?.registerLambdaContext(context);
      let ran = false;
      await guarded(effect, async () => {
        ran = true;
        await step();
      });
      return ran ? "ran" : "repeat";
    },
  };
}

export { describeEffect };
