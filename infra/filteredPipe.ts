import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { validateFilterList } from "../routing/eventPattern";
import { allowInvoke, allowLogWrite, allowSend, allowStreamRead, roleTrusting } from "./grants";

export interface FilteredPipeArgs {
  /**
   * The pipe's name in AWS, set explicitly: its role's trust policy names the pipe's ARN,
   * which must be known before the pipe exists (the pipe needs the role). Unique per account
   * and region, so it carries the stack: `NormalOrdersPipe-prod`.
   */
  readonly pipeName: string;
  /** Account, region and partition the pipe is deployed to, for its ARN and trust policy. */
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
  /** The DynamoDB stream the pipe reads. */
  readonly sourceStreamArn: pulumi.Input<string>;
  /** The Lambda function the pipe invokes synchronously with each filtered batch. */
  readonly targetFunctionArn: pulumi.Input<string>;
  /** Where the pipe sends a pointer to records that exhausted their retries. */
  readonly deadLetterQueueArn: pulumi.Input<string>;
  /** Filter patterns as canonical JSON text (sorted keys), at most 5; ORed. */
  readonly filterPatterns: readonly string[];
  readonly startingPosition: "TRIM_HORIZON" | "LATEST";
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly maximumRetryAttempts: number;
  readonly maximumRecordAgeInSeconds: number;
  readonly logRetentionDays: number;
}

function checkRange(pipe: string, arg: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`FilteredPipe ${pipe}: ${arg} is ${value}; a pipe on a DynamoDB stream accepts ${min} to ${max}`);
  }
}

/**
 * An EventBridge pipe from a DynamoDB stream to a Lambda processor, with a filter, bounded
 * retries with automatic bisection, partial batch failures, a DLQ and error logging. Every
 * source parameter is set explicitly: AWS's defaults retry forever (-1), and the provider
 * cannot update a pipe whose batching window or record age were left unset
 * (terraform-provider-aws#41573).
 */
export class FilteredPipe extends pulumi.ComponentResource {
  readonly pipeArn: pulumi.Output<string>;
  readonly pipeName: pulumi.Output<string>;

  constructor(name: string, args: FilteredPipeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("orders:routing:FilteredPipe", name, {}, opts);
    // Validate before creating anything, as CDK's DynamoDB pipe source does.
    checkRange(name, "batchSize", args.batchSize, 1, 10000);
    checkRange(name, "maximumBatchingWindowInSeconds", args.maximumBatchingWindowInSeconds, 0, 300);
    // 0 is in AWS's range but the provider does not apply it (terraform-provider-aws#33019).
    checkRange(name, "maximumRetryAttempts", args.maximumRetryAttempts, 1, 10000);
    checkRange(name, "maximumRecordAgeInSeconds", args.maximumRecordAgeInSeconds, 60, 604800);
    // "MaximumBatchingWindowInSeconds must be less than MaximumRecordAgeInSeconds" (AWS, at
    // create; quoted in terraform-provider-aws#41573).
    if (args.maximumBatchingWindowInSeconds >= args.maximumRecordAgeInSeconds) {
      throw new Error(
        `FilteredPipe ${name}: maximumBatchingWindowInSeconds (${args.maximumBatchingWindowInSeconds}) must be less than maximumRecordAgeInSeconds (${args.maximumRecordAgeInSeconds})`,
      );
    }
    validateFilterList([...args.filterPatterns]);
    // API_CreatePipe: Name is 1 to 64 of [\.\-_A-Za-z0-9].
    if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(args.pipeName)) {
      throw new Error(`FilteredPipe ${name}: pipeName ${JSON.stringify(args.pipeName)} must be 1 to 64 letters, digits, '.', '-' or '_'`);
    }
    // The pipe's ARN, from its name (Service Authorization Reference, EventBridge Pipes:
    // arn:${Partition}:pipes:${Region}:${Account}:pipe/${Name}).
    const pipeArn = pulumi.interpolate`arn:${args.partition}:pipes:${args.region}:${args.accountId}:pipe/${args.pipeName}`;

    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, { parent: this });
    // Only this pipe of this account may assume the role: aws:SourceArn with the resource's
    // full ARN is what AWS calls the most effective guard (cross-service-confused-deputy-prevention).
    const role = roleTrusting(`${name}-role`, { service: "pipes.amazonaws.com", sourceAccount: args.accountId, sourceArn: pipeArn }, this);
    // The pipe must not exist before its permissions (terraform-provider-aws#40572).
    const policies = [
      allowStreamRead(`${name}-source-policy`, role, args.sourceStreamArn, this),
      allowInvoke(`${name}-target-policy`, role, args.targetFunctionArn, this),
      allowSend(`${name}-dlq-policy`, role, args.deadLetterQueueArn, this),
      // Pipe logs are written with the pipe's execution role.
      allowLogWrite(`${name}-logs-policy`, role, logGroup.arn, this),
    ];

    const pipe = new aws.pipes.Pipe(
      name,
      {
        name: args.pipeName,
        roleArn: role.arn,
        source: args.sourceStreamArn,
        target: args.targetFunctionArn,
        desiredState: "RUNNING",
        sourceParameters: {
          dynamodbStreamParameters: {
            startingPosition: args.startingPosition,
            batchSize: args.batchSize,
            maximumBatchingWindowInSeconds: args.maximumBatchingWindowInSeconds,
            maximumRetryAttempts: args.maximumRetryAttempts,
            maximumRecordAgeInSeconds: args.maximumRecordAgeInSeconds,
            onPartialBatchItemFailure: "AUTOMATIC_BISECT",
            parallelizationFactor: 1, // order per shard matters more than throughput here
            deadLetterConfig: { arn: args.deadLetterQueueArn },
          },
          filterCriteria: { filters: args.filterPatterns.map((pattern) => ({ pattern })) },
        },
        targetParameters: { lambdaFunctionParameters: { invocationType: "REQUEST_RESPONSE" } },
        logConfiguration: { level: "ERROR", cloudwatchLogsLogDestination: { logGroupArn: logGroup.arn } },
      },
      // A named pipe cannot be created while the old one exists, so a replacement (a new
      // startingPosition) deletes first; that also never puts a third reader on a shard.
      { parent: this, dependsOn: policies, deleteBeforeReplace: true },
    );

    this.pipeArn = pipe.arn;
    this.pipeName = pipe.name;
    this.registerOutputs({ pipeArn: this.pipeArn, pipeName: this.pipeName });
  }
}
