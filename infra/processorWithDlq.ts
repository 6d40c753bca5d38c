import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DLQ_URL_ENV } from "../handlers/constants";
import { bundleHandler } from "./bundle";
import { allowLogWrite, allowSend, roleTrusting } from "./grants";

// SQS keeps a message at most 14 days: the longest time to notice and redrive a dead letter.
const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;
const TIMEOUT_SECONDS = 30;
export const HANDLER_TAG = "orders:handler";

export interface ProcessorWithDlqArgs {
  /** Entry file in handlers/ (without .ts), e.g. "normalOrders". */
  readonly handler: string;
  /** Route environment from routeToEnvironment(); the DLQ URL is added here. */
  readonly environment: Record<string, string>;
  readonly architecture: "arm64" | "x86_64";
  readonly memoryMb: number;
  readonly logRetentionDays: number;
  /** The stack's alarm topic: both alarms notify it. */
  readonly alarmTopicArn: pulumi.Input<string>;
}

/**
 * A Lambda processor with its dead-letter queue: the pipe sends pointers to records that
 * exhausted their retries there, and the processor sends malformed records there whole
 * (quarantine). Alarms fire on any visible DLQ message and on any function error.
 */
export class ProcessorWithDlq extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  readonly functionArn: pulumi.Output<string>;
  readonly dlqArn: pulumi.Output<string>;
  readonly dlqUrl: pulumi.Output<string>;

  constructor(name: string, args: ProcessorWithDlqArgs, opts?: pulumi.ComponentResourceOptions) {
    super("orders:processing:ProcessorWithDlq", name, {}, opts);
    if (!Number.isInteger(args.memoryMb) || args.memoryMb < 128 || args.memoryMb > 10240) {
      throw new Error(`ProcessorWithDlq ${name}: memoryMb ${args.memoryMb} is outside 128..10240`);
    }
    const bundle = bundleHandler(args.handler);

    const dlq = new aws.sqs.Queue(
      `${name}-dlq`,
      { sqsManagedSseEnabled: true, messageRetentionSeconds: DLQ_RETENTION_SECONDS },
      { parent: this },
    );
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, { parent: this });
    const role = roleTrusting(`${name}-role`, "lambda.amazonaws.com", this);
    const policies = [
      allowLogWrite(`${name}-logs-policy`, role, logGroup.arn, this),
      // The handler itself sends malformed records to its DLQ (quarantine).
      allowSend(`${name}-dlq-policy`, role, dlq.arn, this),
    ];

    const fn = new aws.lambda.Function(
      name,
      {
        runtime: aws.lambda.Runtime.NodeJS22dX,
        architectures: [args.architecture],
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundle.code) }),
        memorySize: args.memoryMb,
        timeout: TIMEOUT_SECONDS,
        role: role.arn,
        environment: { variables: { ...args.environment, [DLQ_URL_ENV]: dlq.url } },
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        // Which handlers/ entry this code was bundled from: for people, and for the local
        // runtime, which rebuilds the same bundle from the declared stack.
        tags: { [HANDLER_TAG]: args.handler },
      },
      { parent: this, dependsOn: policies },
    );

    const alarmDefaults = {
      period: 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [args.alarmTopicArn],
      okActions: [args.alarmTopicArn],
    };
    new aws.cloudwatch.MetricAlarm(
      `${name}-dlq-alarm`,
      {
        ...alarmDefaults,
        alarmDescription: pulumi.interpolate`Messages are waiting in the DLQ of ${fn.name}: dead-lettered or quarantined order records (see 'orders-pipeline dlq list').`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: dlq.name },
        statistic: "Maximum",
      },
      { parent: this },
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-errors-alarm`,
      {
        ...alarmDefaults,
        alarmDescription: pulumi.interpolate`${fn.name} failed invocations: its pipe is retrying a batch.`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fn.name },
        statistic: "Sum",
      },
      { parent: this },
    );

    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.dlqArn = dlq.arn;
    this.dlqUrl = dlq.url;
    this.registerOutputs({ functionName: this.functionName, functionArn: this.functionArn, dlqArn: this.dlqArn, dlqUrl: this.dlqUrl });
  }
}
