import { SECONDS_PER_MONTH } from "./batching";

// What the estimate assumes where AWS does not say, as options a user can change and see
// (`cost --pipes-billing-unit`, `--pipes-stream-reads`, `--shards`, and `--sensitivity` for
// the headline under every combination), and the billing rules it relies on, each with its
// source and whether an AWS page states it (`verified`). Shown in the output and in --json.

export type PipesBillingUnit = "chunk64k" | "event";
export type PipesStreamReads = "charged" | "free";

export interface Assumptions {
  /** chunk64k: a batch is billed per 64 KB of its payload; event: each record of it is (per 64 KB of the record). */
  readonly pipesBillingUnit: PipesBillingUnit;
  /** Whether a pipe's GetRecords calls on the stream are billed as streams read requests. */
  readonly pipesStreamReads: PipesStreamReads;
  /** Stream shards the records are spread over (each reader polls each shard). */
  readonly shards: number;
}

export interface AssumptionInfo {
  readonly option: string;
  readonly values: readonly string[];
  readonly verified: boolean;
  readonly source: string;
}

export const ASSUMPTION_INFO: Readonly<Record<keyof Assumptions, AssumptionInfo>> = {
  pipesBillingUnit: {
    option: "--pipes-billing-unit",
    values: ["chunk64k", "event"],
    verified: false,
    source:
      "aws.amazon.com/eventbridge/pricing: 'Each 64 KB chunk of a payload is billed as one event'; a pipe sends a batch to a Lambda target 'in one request' (eb-pipes-batching-concurrency.html). " +
      "Whether the unit is the batch's payload (chunk64k) or each event in it (event) is not stated: chunk64k is the reading of those two pages, unverified.",
  },
  pipesStreamReads: {
    option: "--pipes-stream-reads",
    values: ["charged", "free"],
    verified: false,
    source:
      "'Read requests made by AWS Lambda-based consumers of DynamoDB Streams are free, whereas calls made by consumers of any other kind are charged' (DynamoDB developer guide, CostOptimization_StreamsUsage.html). " +
      "Whether EventBridge Pipes counts as Lambda-based is documented nowhere found: charged by default, unverified.",
  },
  shards: {
    option: "--shards",
    values: ["1 or more"],
    verified: false,
    source:
      "The table is on-demand (infra/ordersTable.ts). 'A new on-demand table starts with a warm throughput of 12,000 read units per second and 4,000 write units per second' and 'each individual partition is limited to 1,000 write units per second' " +
      "(DynamoDB developer guide, warm-throughput-scenarios.html), so a new table likely has 4 partitions; that a stream has a shard per partition is from secondary sources (AWS does not document it): 4 shards, or one per 1,000 writes a second above that, unverified.",
  },
};

/** A billing rule the model relies on that is not an option: where it comes from. */
export interface Rule {
  readonly rule: string;
  readonly verified: boolean;
  readonly source: string;
}

export const RULES: readonly Rule[] = [
  {
    rule: "Lambda event source mappings read DynamoDB streams for free",
    verified: true,
    source: "'You are not charged for GetRecords API calls invoked by AWS Lambda as part of DynamoDB triggers' (aws.amazon.com/dynamodb/pricing); 'Read requests made by AWS Lambda-based consumers of DynamoDB Streams are free' (CostOptimization_StreamsUsage.html)",
  },
  {
    rule: "An event source mapping on a DynamoDB stream filters on the record's dynamodb key, as the deployed patterns do",
    verified: true,
    source: "'DynamoDB event source mappings only support filtering on the dynamodb key' (docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html)",
  },
  {
    rule: "Records a filter drops are not billed: pipes bill only matching events, a filtered ESM invokes nothing for them",
    verified: true,
    source: "'You are only charged for those events that match the filter' (eb-pipes.html); invocation-eventfiltering.html",
  },
  {
    rule: "Both readers poll each shard four times a second; a reader's batch gathers for max(window, one poll)",
    verified: true,
    source: "'polls shards in your DynamoDB stream for records at a base rate of four times per second' (eb-pipes-dynamodb.html, with-ddb.html); the batch model is this project's (cost/batching.ts)",
  },
  {
    rule: "Lambda duration is billed per 1 ms, times memory in GB, per architecture",
    verified: false,
    source: "aws.amazon.com/lambda/pricing (the page renders its figures client-side; prices read from secondary sources, cost/prices.json)",
  },
  {
    rule: "Custom metrics are prorated by the hour and billed only for hours they receive data",
    verified: true,
    source: "'All custom metrics are prorated by the hour. They're metered only when they're sent to CloudWatch' (CloudWatch user guide, cloudwatch_billing.html); EMF metrics are custom metrics (Serverless Applications Lens, logging-ingestion-and-storage)",
  },
  {
    rule: "Lambda logs ingested into CloudWatch Logs are priced in volume tiers since 2025-05-01, per account and month",
    verified: false,
    source: "AWS announcement of 2025-05-01 quoted by duckbillgroup.com/?p=9080 (first tier $0.50 per GB, the old flat rate; 60 TB a month fall from $30,000 to $12,500); tier bounds in cost/prices.json, unverified",
  },
];

/** The Orders table's billing mode (infra/ordersTable.ts; tests/costModel.test.ts checks the program declares it). */
export const TABLE_BILLING_MODE = "PAY_PER_REQUEST";
/** Write units a new on-demand table takes at once, and one partition (warm-throughput-scenarios.html). */
const ON_DEMAND_INITIAL_WRITES_PER_SECOND = 4000;
const PARTITION_WRITES_PER_SECOND = 1000;

/** Shards the estimate assumes unless told: those of a new on-demand table, or one per 1,000 writes a second if the traffic needs more. */
export function defaultShards(recordsPerMonth: number): number {
  const initial = ON_DEMAND_INITIAL_WRITES_PER_SECOND / PARTITION_WRITES_PER_SECOND;
  return Math.max(initial, Math.ceil(recordsPerMonth / SECONDS_PER_MONTH / PARTITION_WRITES_PER_SECOND));
}

export function defaultAssumptions(recordsPerMonth: number): Assumptions {
  return { pipesBillingUnit: "chunk64k", pipesStreamReads: "charged", shards: defaultShards(recordsPerMonth) };
}

/** Every combination for --sensitivity: both billing units, both stream-read answers, one shard and the assumed count. */
export function sensitivityCombinations(base: Assumptions): Assumptions[] {
  const shards = [...new Set([1, base.shards])];
  const out: Assumptions[] = [];
  for (const pipesBillingUnit of ASSUMPTION_INFO.pipesBillingUnit.values as PipesBillingUnit[]) {
    for (const pipesStreamReads of ASSUMPTION_INFO.pipesStreamReads.values as PipesStreamReads[]) {
      for (const s of shards) out.push({ pipesBillingUnit, pipesStreamReads, shards: s });
    }
  }
  return out;
}
