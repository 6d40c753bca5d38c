import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { metricsServiceName } from "./handlers/constants";
import { type DashboardRoute, dashboardBody } from "./infra/dashboard";
import { FilteredPipe } from "./infra/filteredPipe";
import { OrdersTable } from "./infra/ordersTable";
import { ProcessorWithDlq } from "./infra/processorWithDlq";
import { RouteAlarms } from "./infra/routeAlarms";
import { loadStackSettings } from "./infra/stackConfig";
import { routeEvaluator } from "./routing/decide";
import { routeToEnvironment } from "./routing/environment";
import { ROUTE_NAMES, type RouteName, routesFromSettings } from "./routing/route";

// The orders pipeline: stack config → routes → components → resources.
// One Orders table; per route a processor (Lambda + DLQ), a filtered pipe from the table's
// stream to it, and their alarms; one dashboard. The two pipes use the two reader slots of each stream shard.

const settings = loadStackSettings();
const routes = routesFromSettings(settings);
const stackName = pulumi.getStack();

// Where the stack is deployed: the roles' trust policies and the pipes' ARNs name them.
const accountId = aws.getCallerIdentityOutput({}).accountId;
const region = aws.getRegionOutput({}).region;
const partition = aws.getPartitionOutput({}).partition;

/** Names from the seed design; the handler entry in handlers/. */
const DEPLOYMENT: Record<RouteName, { processor: string; pipe: string; alarms: string; handler: string }> = {
  normal: { processor: "NormalOrdersProcessor", pipe: "NormalOrdersPipe", alarms: "NormalOrders", handler: "normalOrders" },
  premium: { processor: "PremiumOrdersProcessor", pipe: "PremiumOrdersPipe", alarms: "PremiumOrders", handler: "premiumOrders" },
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
    accountId,
  });
  const pipeName = `${names.pipe}-${stackName}`;
  const pipe = new FilteredPipe(names.pipe, {
    pipeName,
    accountId,
    region,
    partition,
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
  new RouteAlarms(names.alarms, {
    route: name,
    stack: stackName,
    pipeName,
    processorName: names.processor,
    functionName: processor.functionName,
    logGroupName: processor.logGroupName,
    metricsService: metricsServiceName(name),
    queueName: processor.dlqName,
    maxRetryAttempts: settings.maxRetryAttempts,
    maxRecordAgeSeconds: settings.maxRecordAgeSeconds,
    alarmTopicArn: alarmTopic.arn,
  });
  return {
    pipeArn: pipe.pipeArn,
    pipeName: pipe.pipeName,
    processorName: processor.functionName,
    processorArn: processor.functionArn,
    dlqUrl: processor.dlqUrl,
    dlqArn: processor.dlqArn,
    dlqName: processor.dlqName,
  };
}

const deployed = Object.fromEntries(ROUTE_NAMES.map((name) => [name, deployRoute(name)])) as Record<RouteName, ReturnType<typeof deployRoute>>;

// One dashboard per stack, from the same routes as the pipes.
const dashboardRoutes = ROUTE_NAMES.map((name) =>
  pulumi.all([deployed[name].pipeName, deployed[name].processorName, deployed[name].dlqName]).apply(
    ([pipeName, functionName, queueName]): DashboardRoute => ({ route: name, pipeName, functionName, queueName, metricsService: metricsServiceName(name) }),
  ),
);
const dashboard = new aws.cloudwatch.Dashboard("OrdersPipeline", {
  dashboardName: `orders-pipeline-${stackName}`,
  dashboardBody: pulumi.all([region, pulumi.all(dashboardRoutes)]).apply(([where, rs]) => JSON.stringify(dashboardBody(where, rs))),
});

export const tableName = table.tableName;
export const tableArn = table.tableArn;
export const streamArn = table.streamArn;
export const alarmTopicArn = alarmTopic.arn;
export const normal = deployed.normal;
export const premium = deployed.premium;
export const dashboardName = dashboard.dashboardName;
export const stack = stackName;
