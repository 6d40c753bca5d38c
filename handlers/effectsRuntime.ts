import type * as Idempotency from "@aws-lambda-powertools/idempotency";
import type * as IdempotencyDynamoDB from "@aws-lambda-powertools/idempotency/dynamodb";

// What effects-once needs (handlers/idempotency.ts): Powertools Idempotency and its DynamoDB
// persistence layer, loaded on the first order that reaches a step. In a processor's bundle
// this module is replaced by the same code kept as text and compiled on that first load
// (infra/bundle.ts, EFFECTS_FILENAME): a cold start no longer parses its ~70 KB, which
// measured ~4 ms of a ~31 ms module init here, though only a processed order ever runs it.

export type EffectsRuntime = typeof Idempotency & Pick<typeof IdempotencyDynamoDB, "DynamoDBPersistenceLayer">;

let loaded: EffectsRuntime | undefined;

export function loadEffectsRuntime(): EffectsRuntime {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= { ...require("@aws-lambda-powertools/idempotency"), DynamoDBPersistenceLayer: require("@aws-lambda-powertools/idempotency/dynamodb").DynamoDBPersistenceLayer };
  return loaded as EffectsRuntime;
}
