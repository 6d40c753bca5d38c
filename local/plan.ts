import { DLQ_URL_ENV, HANDLER_TAG } from "../handlers/constants";
import { parseStepsTag, type ServedRoute } from "../infra/bundle";
import { metricsOf } from "../routing/stackRoutes";
import { type CanaryPlan, canaryPlanFromDeclared } from "./canary";
import type { DeclaredResource, DeclaredStack } from "./evaluateProgram";
import type { LocalPipeSpec } from "./localPipe";

// What the local runtime runs, read off the resources the Pulumi program declares, so the
// local run and the deployment cannot drift apart: the table's keys and stream, each pipe's
// filters and source parameters, each processor's handler entry, environment, timeout and
// DLQ.

/** A declared DynamoDB table, as CreateTable needs it locally. */
export interface TablePlan {
  readonly name: string;
  readonly hashKey: string;
  readonly rangeKey?: string;
  readonly attributes: readonly { name: string; type: string }[];
  readonly globalSecondaryIndexes: readonly IndexPlan[];
  readonly localSecondaryIndexes: readonly IndexPlan[];
  /** The TTL attribute, if TTL is enabled. */
  readonly ttlAttribute?: string;
  /** The stream's view type, if the table has a stream. */
  readonly streamViewType?: string;
  readonly declaredStreamArn?: string;
}

export interface IndexPlan {
  readonly name: string;
  readonly hashKey: string;
  readonly rangeKey?: string;
  readonly projectionType: string;
  readonly nonKeyAttributes?: readonly string[];
}

export interface ProcessorPlan {
  readonly name: string;
  /** The routes it serves and their business steps (from its HANDLER_TAG): what its bundle holds. */
  readonly steps: readonly ServedRoute[];
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  /** Declared memory and architecture (null if the program leaves them to AWS's defaults). */
  readonly memoryMb: number | null;
  readonly architecture: string | null;
  readonly dlqName: string;
  readonly declaredDlqUrl: string;
  /** The DLQ's MaximumMessageSize as declared (the provider's default when not set). */
  readonly dlqMaxMessageSize: number;
  /** How long the declared DLQ keeps a message (SQS's MessageRetentionPeriod, seconds). */
  readonly dlqRetentionSeconds: number;
}

/** @pulumi/aws sqs.Queue maxMessageSize: "The default for this attribute is 262144 (256 KiB)". */
const PROVIDER_DEFAULT_MAX_MESSAGE_SIZE = 262_144;

/** SQS's MessageRetentionPeriod when a queue declares none: 4 days (SQS API reference, SetQueueAttributes). */
export const SQS_DEFAULT_RETENTION_SECONDS = 345600;

export interface PipePlan extends LocalPipeSpec {
  readonly processor: ProcessorPlan;
}

export interface LocalPlan {
  readonly stack: string;
  /** The table the pipes read (its stream is their source). */
  readonly table: TablePlan;
  /** Every table the program declares, the pipes' source among them. */
  readonly tables: readonly TablePlan[];
  readonly pipes: readonly PipePlan[];
  /** The declared canary schedules (local/canary.ts), if the program declares any. */
  readonly canary?: CanaryPlan;
}

function indexPlan(i: Record<string, any>): IndexPlan {
  return { name: i.name, hashKey: i.hashKey, rangeKey: i.rangeKey, projectionType: i.projectionType ?? "ALL", nonKeyAttributes: i.nonKeyAttributes };
}

function tablePlan(t: Record<string, any>): TablePlan {
  return {
    name: t.name,
    hashKey: t.hashKey,
    rangeKey: t.rangeKey,
    attributes: t.attributes ?? [],
    globalSecondaryIndexes: (t.globalSecondaryIndexes ?? []).map(indexPlan),
    localSecondaryIndexes: (t.localSecondaryIndexes ?? []).map(indexPlan),
    ttlAttribute: t.ttl?.enabled ? t.ttl.attributeName : undefined,
    streamViewType: t.streamEnabled ? t.streamViewType : undefined,
    declaredStreamArn: t.streamEnabled ? t.streamArn : undefined,
  };
}

function only(resources: readonly DeclaredResource[], type: string, what: string): DeclaredResource[] {
  const hits = resources.filter((r) => r.type === type);
  if (hits.length === 0) throw new Error(`the program declares no ${what} (${type})`);
  return hits;
}

export function planFromDeclared(declared: DeclaredStack): LocalPlan {
  const { resources } = declared;
  const tables = only(resources, "aws:dynamodb/table:Table", "DynamoDB table").map((t) => tablePlan(t.state));
  const declaredPipes = only(resources, "aws:pipes/pipe:Pipe", "pipe");
  // The pipes' source table is found from the pipes: the one whose stream they read.
  const sources = [...new Set(declaredPipes.map((p) => p.state.source))];
  const table = tables.find((t) => t.declaredStreamArn !== undefined && t.declaredStreamArn === sources[0]);
  if (!table) throw new Error(`pipe ${declaredPipes[0].name} reads ${sources[0]}, which is not the stream of a table this program declares`);
  const pipes = declaredPipes.map((p): PipePlan => {
    const s = p.state;
    if (s.source !== table.declaredStreamArn) throw new Error(`pipe ${p.name} reads ${s.source}, not the stream of table ${table.name} as the other pipes do; the local runtime runs one source stream`);
    const fn = resources.find((r) => r.type === "aws:lambda/function:Function" && r.state.arn === s.target);
    if (!fn) throw new Error(`pipe ${p.name} targets ${s.target}, which is not a function of this program`);
    const params = s.sourceParameters.dynamodbStreamParameters;
    const dlq = resources.find((r) => r.type === "aws:sqs/queue:Queue" && r.state.arn === params.deadLetterConfig?.arn);
    if (!dlq) throw new Error(`pipe ${p.name} has no dead-letter queue of this program`);
    const tag = fn.state.tags?.[HANDLER_TAG];
    // The tag names each route's step; the metric names bundled with it are the route's declared ones.
    const steps = typeof tag === "string" ? parseStepsTag(tag)?.map((s) => ({ ...s, metrics: metricsOf(s.route) })) : undefined;
    if (!steps) throw new Error(`function ${fn.name} has no ${HANDLER_TAG} tag naming its business steps (${JSON.stringify(tag)}): cannot tell which handler to run`);
    return {
      name: p.name,
      arn: s.arn,
      filters: (s.sourceParameters.filterCriteria?.filters ?? []).map((f: { pattern: string }) => f.pattern),
      startingPosition: params.startingPosition,
      batchSize: params.batchSize,
      batchingWindowSeconds: params.maximumBatchingWindowInSeconds,
      maximumRetryAttempts: params.maximumRetryAttempts,
      maximumRecordAgeSeconds: params.maximumRecordAgeInSeconds,
      bisectOnFailure: params.onPartialBatchItemFailure === "AUTOMATIC_BISECT",
      processor: {
        name: fn.name,
        steps,
        environment: { ...(fn.state.environment?.variables ?? {}) },
        timeoutSeconds: fn.state.timeout ?? 3,
        memoryMb: typeof fn.state.memorySize === "number" ? fn.state.memorySize : null,
        architecture: Array.isArray(fn.state.architectures) && typeof fn.state.architectures[0] === "string" ? fn.state.architectures[0] : null,
        dlqName: dlq.name,
        declaredDlqUrl: dlq.state.url,
        dlqMaxMessageSize: typeof dlq.state.maxMessageSize === "number" ? dlq.state.maxMessageSize : PROVIDER_DEFAULT_MAX_MESSAGE_SIZE,
        dlqRetentionSeconds: typeof dlq.state.messageRetentionSeconds === "number" ? dlq.state.messageRetentionSeconds : SQS_DEFAULT_RETENTION_SECONDS,
      },
    };
  });
  return { stack: declared.stack, table, tables, pipes, canary: canaryPlanFromDeclared(resources) };
}

/** Where a local processor's AWS calls go: the emulators, and the refusal for every other service (local/unemulated.ts). */
export interface LocalServices {
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly unemulatedEndpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * The environment a processor runs with locally: exactly the declared one, with the DLQ URL,
 * and the AWS SDK's endpoint variables (service-specific ones win over AWS_ENDPOINT_URL, AWS
 * SDKs and Tools reference guide, "Service-specific endpoints"), region and dummy credentials
 * pointing at the local services, so that any SDK v3 client a business step creates reaches
 * DynamoDB Local or the local SQS with no change to the step, and any other service is refused
 * at once. ORDERS_LOCAL tells a step it runs locally.
 */
export function localEnvironment(processor: ProcessorPlan, dlqUrl: string, local: LocalServices): Record<string, string> {
  return {
    ...processor.environment,
    [DLQ_URL_ENV]: dlqUrl,
    AWS_ENDPOINT_URL: local.unemulatedEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: local.dynamodbEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: local.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: local.sqsEndpoint,
    AWS_REGION: local.region,
    AWS_ACCESS_KEY_ID: local.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: local.credentials.secretAccessKey,
    AWS_LAMBDA_FUNCTION_NAME: processor.name,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ORDERS_LOCAL: "true",
  };
}

/** The local DLQ's attributes: the declared limits, so the local SQS refuses what AWS would. */
export function localQueueAttributes(processor: ProcessorPlan): Record<string, string> {
  // Kept as long as the deployed DLQ keeps them; refused above the size it accepts.
  return { MaximumMessageSize: String(processor.dlqMaxMessageSize), MessageRetentionPeriod: String(processor.dlqRetentionSeconds) };
}
