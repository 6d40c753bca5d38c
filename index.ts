import * as aws from "./infra/aws";
import * as pulumi from "@pulumi/pulumi";
import { OrdersCanary } from "./infra/canary";
import { type DashboardPipe, dashboardBody } from "./infra/dashboard";
import { FilteredPipe } from "./infra/filteredPipe";
import { ORDERS_IN_FLIGHT_ENV } from "./handlers/constants";
import { IdempotencyTable } from "./infra/idempotencyTable";
import { LivenessAlarms } from "./infra/livenessAlarms";
import { OrdersTable } from "./infra/ordersTable";
import { ProcessorWithDlq } from "./infra/processorWithDlq";
import { RouteAlarms } from "./infra/routeAlarms";
import { loadStackSettings } from "./infra/stackConfig";
import { needsOfPipe, type StepNeeds } from "./infra/stepNeeds";
import { routeEvaluator } from "./routing/decide";
import { routesToEnvironment } from "./routing/environment";
import type { PipeGroup } from "./routing/pipes";
import { metricsServiceName, resourceStem } from "./routing/route";
import { metricsOf, routeNamed, routesFromSettings, servedBy } from "./routing/stackRoutes";

// The orders pipeline: stack config → routes → components → resources.
// One Orders table; per pipe (routing/pipes.ts: a route's own, or shared by the routes riding
// on it) a processor (Lambda + DLQ) serving its routes, a filtered pipe from the table's
// stream to it, and their alarms; one dashboard. At most two pipes read the stream: a shard
// serves two readers.

const settings = loadStackSettings();
const declared = routesFromSettings(settings);
const stackName = pulumi.getStack();

// Where the stack is deployed: the roles' trust policies and the pipes' ARNs name them.
const accountId = aws.getCallerIdentityOutput({}).accountId;
const region = aws.getRegionOutput({}).region;
const partition = aws.getPartitionOutput({}).partition;

// Not KMS-encrypted on purpose: CloudWatch alarms cannot publish to a topic encrypted with
// the AWS managed key (alias/aws/sns), and a customer key is more than alerts need.
const alarmTopic = new aws.sns.Topic("OrdersAlarms");
if (settings.alarmEmail) {
  new aws.sns.TopicSubscription("OrdersAlarmsEmail", { topic: alarmTopic.arn, protocol: "email", endpoint: settings.alarmEmail });
}

const table = new OrdersTable("Orders", { deletionProtection: settings.deletionProtection });
// Where every route's business effects are recorded, so that each happens once.
const effects = new IdempotencyTable("OrderEffects", { deletionProtection: settings.deletionProtection });

// ---------------------------------------------------------------------------------------
// What your business steps need beyond the pipeline (README, "Replace the business step"):
// per route, the settings its step reads with setting(context, "name") and what its processor
// may do, one grant per need. Declare the resources they use above this line, e.g.
//   const fulfilment = new aws.dynamodb.Table("Fulfilment", { ... });
//   normal: { settings: { fulfilmentTable: fulfilment.name },
//             grants: [{ name: "fulfilment-put", actions: ["dynamodb:PutItem"], resources: [fulfilment.arn] }] },
const STEP_NEEDS: StepNeeds = {};
// ---------------------------------------------------------------------------------------

// End-to-end liveness per route (README, "Liveness: the canary"): a heartbeat written into the
// Orders table on a schedule, which every route's filter passes and every processor recognises.
const canary = new OrdersCanary("OrdersCanary", {
  stack: stackName,
  routes: declared.routes,
  periodMinutes: settings.heartbeatMinutes,
  tableName: table.tableName,
  tableArn: table.tableArn,
  accountId,
  region,
  partition,
});
const dashboardTitle = `orders-pipeline-${stackName}`;

function deployPipe(group: PipeGroup) {
  const routes = group.routes.map((name) => routeNamed(declared, name));
  const processor = new ProcessorWithDlq(group.processorResource, {
    steps: servedBy(group, declared.declarations),
    ...needsOfPipe(group, STEP_NEEDS, declared.routes.map((r) => r.name)),
    idempotencyTable: { name: effects.tableName, arn: effects.tableArn },
    environment: { ...routesToEnvironment(routes), [ORDERS_IN_FLIGHT_ENV]: String(settings.ordersInFlight) },
    architecture: settings.lambdaArchitecture,
    memoryMb: settings.lambdaMemoryMb,
    logRetentionDays: settings.logRetentionDays,
    accountId,
  });
  const pipeName = `${group.pipeResource}-${stackName}`;
  const pipe = new FilteredPipe(group.pipeResource, {
    pipeName,
    accountId,
    region,
    partition,
    sourceStreamArn: table.streamArn,
    targetFunctionArn: processor.functionArn,
    deadLetterQueueArn: processor.dlqArn,
    // The pipe passes what any of its routes' filters passes; identical patterns once.
    filterPatterns: [...new Set(routes.flatMap((r) => routeEvaluator(r).filters))],
    startingPosition: settings.startingPosition,
    batchSize: settings.batchSize,
    maximumBatchingWindowInSeconds: settings.batchingWindowSeconds,
    maximumRetryAttempts: settings.maxRetryAttempts,
    maximumRecordAgeInSeconds: settings.maxRecordAgeSeconds,
    logRetentionDays: settings.logRetentionDays,
  });
  new RouteAlarms(group.stem, {
    routes: group.routes,
    stack: stackName,
    pipeName,
    processorName: group.processorResource,
    functionName: processor.functionName,
    logGroupName: processor.logGroupName,
    metricsServices: group.routes.map(metricsServiceName),
    queueName: processor.dlqName,
    maxRetryAttempts: settings.maxRetryAttempts,
    maxRecordAgeSeconds: settings.maxRecordAgeSeconds,
    alarmTopicArn: alarmTopic.arn,
  });
  // What does not happen: per route, its heartbeats stopping, its latency passing the objective.
  for (const plan of canary.plans.filter((p) => group.routes.includes(p.route))) {
    new LivenessAlarms(resourceStem(plan.route), {
      route: plan.route,
      stack: stackName,
      metricsService: metricsServiceName(plan.route),
      pipeName,
      processorName: group.processorResource,
      logGroupName: processor.logGroupName,
      scheduleGroup: canary.groupName,
      prepared: plan.prepare !== undefined,
      heartbeatMinutes: settings.heartbeatMinutes,
      latencyObjectiveSeconds: settings.latencyObjectiveSeconds,
      dashboardName: dashboardTitle,
      alarmTopicArn: alarmTopic.arn,
    });
  }
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

const deployed = declared.pipes.map((group) => ({ group, outputs: deployPipe(group) }));

// One dashboard per stack, from the same pipes and routes.
const dashboardPipes = deployed.map(({ group, outputs }) =>
  pulumi.all([outputs.pipeName, outputs.processorName, outputs.dlqName]).apply(
    ([pipeName, functionName, queueName]): DashboardPipe => ({
      routes: group.routes.map((route) => ({ route, metricsService: metricsServiceName(route), metrics: metricsOf(route, declared.declarations) })),
      pipeName,
      functionName,
      queueName,
    }),
  ),
);
const liveness = {
  routes: declared.routes.map((r) => ({ route: r.name, metricsService: metricsServiceName(r.name) })),
  latencyObjectiveSeconds: settings.latencyObjectiveSeconds,
  heartbeatMinutes: settings.heartbeatMinutes,
  scheduleGroup: canary.groupName,
};
const dashboard = new aws.cloudwatch.Dashboard("OrdersPipeline", {
  dashboardName: dashboardTitle,
  dashboardBody: pulumi.all([region, pulumi.all(dashboardPipes)]).apply(([where, ps]) => JSON.stringify(dashboardBody(where, ps, liveness))),
});

export const tableName = table.tableName;
export const tableArn = table.tableArn;
export const streamArn = table.streamArn;
export const alarmTopicArn = alarmTopic.arn;
export const idempotencyTableName = effects.tableName;
export const dashboardName = dashboard.dashboardName;
export const stack = stackName;
// One output per route, named after it (`pulumi stack output normal`): the pipe, processor and
// DLQ that serve it (routes sharing a pipe show the same ones); `orders-pipeline dlq` reads
// them against AWS. Route names cannot shadow the outputs above (routing/route.ts).
// `module.exports`: the object Pulumi reads under TypeScript's CommonJS output (ts-node, as
// `pulumi up` runs it), where it is `exports`, and under esbuild's (dist/, which the local
// runtime evaluates, and the tests), where `exports` is an object nobody reads.
for (const { group, outputs } of deployed) for (const route of group.routes) module.exports[route] = outputs;
