import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FilteredPipe } from "./infra/filteredPipe";
import { OrdersTable } from "./infra/ordersTable";
import { ProcessorWithDlq } from "./infra/processorWithDlq";
import { loadStackSettings } from "./infra/stackConfig";
import { routeEvaluator } from "./routing/decide";
import { routeToEnvironment } from "./routing/environment";
import { ROUTE_NAMES, type RouteName, routesFromSettings } from "./routing/route";

// The orders pipeline: stack config → routes → components → resources.
// One Orders table; per route a processor (Lambda + DLQ + alarms) and a filtered pipe from
// the table's stream to it. The two pipes use the two reader slots of each stream shard.

const settings = loadStackSettings();
const routes = routesFromSettings(settings);

/** Names from the seed design; the handler entry in handlers/. */
const DEPLOYMENT: Record<RouteName, { processor: string; pipe: string; handler: string }> = {
  normal: { processor: "NormalOrdersProcessor", pipe: "NormalOrdersPipe", handler: "normalOrders" },
  premium: { processor: "PremiumOrdersProcessor", pipe: "PremiumOrdersPipe", handler: "premiumOrders" },
};

// Not KMS-encrypted on purpose: CloudWatch alarms cannot publish to a topic encrypted with
// the AWS managed key (alias/aws/sns), and a customer key is more than alerts need.
const alarmTopic = new aws.sns.Topic("OrdersAlarms");
if (settings.alarmEmail) {
  new aws.sns.TopicSubscription("OrdersAlarmsEmail", { topic: alarmTopic.arn, protocol: "email", endpoint: settings.alarmEmail });
}

const table = new OrdersTable("Orders", { deletionProtection: settings.deletionProtection });

function deployRoute(name: RouteName) {
  const route = routes[name];
  const names = DEPLOYMENT[name];
  const processor = new ProcessorWithDlq(names.processor, {
    handler: names.handler,
    environment: routeToEnvironment(route),
    architecture: settings.lambdaArchitecture,
    memoryMb: settings.lambdaMemoryMb,
    logRetentionDays: settings.logRetentionDays,
    alarmTopicArn: alarmTopic.arn,
  });
  const pipe = new FilteredPipe(names.pipe, {
    sourceStreamArn: table.streamArn,
    targetFunctionArn: processor.functionArn,
    deadLetterQueueArn: processor.dlqArn,
    filterPatterns: routeEvaluator(route).filters,
    startingPosition: settings.startingPosition,
    batchSize: settings.batchSize,
    maximumBatchingWindowInSeconds: settings.batchingWindowSeconds,
    maximumRetryAttempts: settings.maxRetryAttempts,
    maximumRecordAgeInSeconds: settings.maxRecordAgeSeconds,
    logRetentionDays: settings.logRetentionDays,
  });
  return {
    pipeArn: pipe.pipeArn,
    pipeName: pipe.pipeName,
    processorName: processor.functionName,
    processorArn: processor.functionArn,
    dlqUrl: processor.dlqUrl,
    dlqArn: processor.dlqArn,
  };
}

const deployed = Object.fromEntries(ROUTE_NAMES.map((name) => [name, deployRoute(name)])) as Record<RouteName, ReturnType<typeof deployRoute>>;

export const tableName = table.tableName;
export const tableArn = table.tableArn;
export const streamArn = table.streamArn;
export const alarmTopicArn = alarmTopic.arn;
export const normal = deployed.normal;
export const premium = deployed.premium;
export const stack = pulumi.getStack();
