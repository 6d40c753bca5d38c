import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { DLQ_URL_ENV, HANDLER_TAG, SETTING_ENV_PREFIX } from "../handlers/constants";
import { IDEMPOTENCY_TABLE_ENV } from "../handlers/idempotency";
import { DLQ_MAX_MESSAGE_BYTES } from "../handlers/quarantine";
import { programBundle, type ServedRoute, stepsTag } from "./bundle";
import { allowActions, allowEffectRecords, allowLogWrite, allowSend, roleTrusting } from "./grants";

// SQS keeps a message at most 14 days: the longest time to notice and redrive a dead letter.
const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;
const TIMEOUT_SECONDS = 30;

export interface ProcessorWithDlqArgs {
  /** The routes it serves and their business steps (handlers/steps/); its bundle holds exactly these. */
  readonly steps: readonly ServedRoute[];
  /** Route environment from routesToEnvironment(); the DLQ URL is added here. */
  readonly environment: Record<string, string>;
  readonly architecture: "arm64" | "x86_64";
  readonly memoryMb: number;
  readonly logRetentionDays: number;
  /** The account the function runs in: only Lambda acting for it may assume the role. */
  readonly accountId: pulumi.Input<string>;
  /** The table its routes' effects are recorded in (IdempotencyTable). */
  readonly idempotencyTable: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> };
  /** Settings for the business steps, by camelCase name (a table's name...): ORDERS_SETTING_<NAME>, read with setting(context, name). */
  readonly settings?: Readonly<Record<string, pulumi.Input<string>>>;
  /** What the business steps may do beyond the pipeline: one grant per need, each its own role policy. */
  readonly grants?: readonly StepGrant[];
}

/** One thing a business step needs: `actions` on `resources`, nothing more. */
export interface StepGrant {
  /** Names the role policy: <processor>-<name>-policy. */
  readonly name: string;
  readonly actions: readonly string[];
  readonly resources: readonly pulumi.Input<string>[];
}

const SETTING_NAME = /^[a-z][a-zA-Z0-9]{0,62}$/;
const GRANT_NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

/** "fulfilmentTable" → ORDERS_SETTING_FULFILMENT_TABLE (handlers/lambda.ts reads it back). */
export function settingVariable(name: string): string {
  return `${SETTING_ENV_PREFIX}${name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

/**
 * A Lambda processor with its dead-letter queue: the pipe sends pointers to records that
 * exhausted their retries there, and the processor sends malformed records there whole
 * (quarantine). Its alarms are declared by RouteAlarms, beside the pipe's.
 */
export class ProcessorWithDlq extends pulumi.ComponentResource {
  /** Its execution role, for grants beyond `grants` (prefer those: one policy per need). */
  readonly role: aws.iam.Role;
  readonly functionName: pulumi.Output<string>;
  readonly functionArn: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;
  readonly dlqArn: pulumi.Output<string>;
  readonly dlqUrl: pulumi.Output<string>;
  readonly dlqName: pulumi.Output<string>;

  constructor(name: string, args: ProcessorWithDlqArgs, opts?: pulumi.ComponentResourceOptions) {
    super("orders:processing:ProcessorWithDlq", name, {}, opts);
    if (!Number.isInteger(args.memoryMb) || args.memoryMb < 128 || args.memoryMb > 10240) {
      throw new Error(`ProcessorWithDlq ${name}: memoryMb ${args.memoryMb} is outside 128..10240`);
    }
    if (args.steps.length === 0) throw new Error(`ProcessorWithDlq ${name}: steps is empty; a processor serves at least one route`);
    for (const key of Object.keys(args.settings ?? {})) {
      if (!SETTING_NAME.test(key)) throw new Error(`ProcessorWithDlq ${name}: setting ${JSON.stringify(key)} must be a camelCase name (it becomes ${SETTING_ENV_PREFIX}<NAME>)`);
    }
    for (const g of args.grants ?? []) {
      if (!GRANT_NAME.test(g.name)) throw new Error(`ProcessorWithDlq ${name}: grant name ${JSON.stringify(g.name)} must be lower-case letters, digits and -`);
      if (g.actions.length === 0 || g.resources.length === 0) throw new Error(`ProcessorWithDlq ${name}: grant ${g.name} needs at least one action and one resource`);
      if (g.actions.some((a) => a.includes("*")) || g.resources.some((r) => r === "*")) {
        throw new Error(`ProcessorWithDlq ${name}: grant ${g.name} uses a wildcard; name the actions and the resources (least privilege)`);
      }
    }
    if (new Set((args.grants ?? []).map((g) => g.name)).size !== (args.grants ?? []).length) throw new Error(`ProcessorWithDlq ${name}: two grants have the same name`);
    const bundle = programBundle(args.steps);

    const dlq = new aws.sqs.Queue(
      `${name}-dlq`,
      // SQS's largest message (the provider's default is 256 KiB): a quarantined record travels
      // whole up to this size, and the handler sends a reference above it (handlers/quarantine.ts).
      { sqsManagedSseEnabled: true, messageRetentionSeconds: DLQ_RETENTION_SECONDS, maxMessageSize: DLQ_MAX_MESSAGE_BYTES },
      { parent: this },
    );
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, { parent: this });
    // aws:SourceAccount only: Lambda documents the condition keys for execution roles
    // (permissions-managed-policies.html) but not that it sets aws:SourceArn when it assumes
    // the role for an invocation, and a condition on a key that is absent would lock the
    // function out of its own role.
    const role = roleTrusting(`${name}-role`, { service: "lambda.amazonaws.com", sourceAccount: args.accountId }, this);
    const policies = [
      allowLogWrite(`${name}-logs-policy`, role, logGroup.arn, this),
      // The handler itself sends malformed records to its DLQ (quarantine).
      allowSend(`${name}-dlq-policy`, role, dlq.arn, this),
      // ... and records its routes' effects, so that each happens once.
      allowEffectRecords(`${name}-idempotency-policy`, role, args.idempotencyTable.arn, this),
      ...(args.grants ?? []).map((g) => allowActions(`${name}-${g.name}-policy`, role, g.actions, g.resources, this)),
    ];
    const settings = Object.fromEntries(Object.entries(args.settings ?? {}).map(([k, v]) => [settingVariable(k), v]));

    const fn = new aws.lambda.Function(
      name,
      {
        // Node 24: Lambda's nodejs22.x follows Node 22 to its end of life (April 2027); the
        // bundle still targets ES2022 (infra/bundle.ts), which every supported runtime runs.
        runtime: aws.lambda.Runtime.NodeJS24dX,
        architectures: [args.architecture],
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundle.code) }),
        memorySize: args.memoryMb,
        timeout: TIMEOUT_SECONDS,
        role: role.arn,
        environment: { variables: { ...args.environment, ...settings, [DLQ_URL_ENV]: dlq.url, [IDEMPOTENCY_TABLE_ENV]: args.idempotencyTable.name } },
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        // Which business steps this code was bundled with: for people, and for the local
        // runtime, which rebuilds the same bundle from the declared stack.
        tags: { [HANDLER_TAG]: stepsTag(args.steps) },
      },
      { parent: this, dependsOn: policies },
    );

    this.role = role;
    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.logGroupName = logGroup.name;
    this.dlqArn = dlq.arn;
    this.dlqUrl = dlq.url;
    this.dlqName = dlq.name;
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      logGroupName: this.logGroupName,
      dlqArn: this.dlqArn,
      dlqUrl: this.dlqUrl,
      dlqName: this.dlqName,
    });
  }
}
