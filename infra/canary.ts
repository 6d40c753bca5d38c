import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { checkHeartbeatPlans, heartbeatCron, type HeartbeatPlan, heartbeatPlanOf, type HeartbeatWrite } from "../routing/heartbeat";
import type { Route, RouteName } from "../routing/route";
import { allowItemWrites, roleTrusting } from "./grants";

// The canary (routing/heartbeat.ts): EventBridge Scheduler writes each route's heartbeat into
// the Orders table on a cron schedule, calling DynamoDB's PutItem / DeleteItem directly as a
// universal target ("arn:aws:scheduler:::aws-sdk:<service>:<apiAction>", the request as the
// target's Input: Scheduler user guide, managing-targets-universal). No function of ours runs
// to make a heartbeat, so nothing of ours can fail silently on the way in: what the canary
// tests is exactly the path an order takes.
//
// - One schedule group per stack: the role's trust is scoped to it (aws:SourceArn must be the
//   schedule group's ARN, "Do not scope the aws:SourceArn statement to a specific schedule";
//   Scheduler user guide, cross-service-confused-deputy-prevention), and AWS/Scheduler
//   publishes its metrics by ScheduleGroup (monitoring-cloudwatch).
// - Each write's item carries <aws.scheduler.scheduled-time>, which Scheduler replaces in the
//   Input (managing-schedule-context-attributes): every write changes the item, so each makes
//   a stream record.
// - No flexible window (each beat at its minute), and a short retry policy: a heartbeat written
//   late would be a false sign of life, and a retried prepare write could land after its beat.

export interface OrdersCanaryArgs {
  /** The stack, for names (a schedule group is per account and region). */
  readonly stack: string;
  /** The routes as this stack deploys them: one heartbeat each. */
  readonly routes: readonly Route[];
  readonly periodMinutes: number;
  readonly tableName: pulumi.Input<string>;
  readonly tableArn: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
}

/** How long Scheduler keeps retrying a failed write (its least), and how often. */
export const HEARTBEAT_RETRY = { maximumEventAgeInSeconds: 60, maximumRetryAttempts: 2 } as const;

/** The canary's schedule group of a stack. */
export function canaryGroupName(stack: string): string {
  return `orders-canary-${stack}`;
}

/** A route's schedule (its beat, or its prepare write) in the group. */
export function heartbeatScheduleName(route: RouteName, phase: "beat" | "prepare"): string {
  return `${route}-${phase}`;
}

/** The DynamoDB request a write makes, as the schedule's Input. */
function requestOf(write: HeartbeatWrite, tableName: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.jsonStringify(write.action === "putItem" ? { TableName: tableName, Item: write.item } : { TableName: tableName, Key: write.key });
}

export class OrdersCanary extends pulumi.ComponentResource {
  readonly groupName: string;
  readonly plans: readonly HeartbeatPlan[];
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: OrdersCanaryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("orders:monitoring:Canary", name, {}, opts);
    if (args.routes.length === 0) throw new Error(`OrdersCanary ${name}: no route to watch`);
    heartbeatCron(args.periodMinutes, "beat"); // throws naming the allowed periods
    const plans = args.routes.map(heartbeatPlanOf);
    // Refuse, before anything is created, a heartbeat a route's filter would not pass.
    checkHeartbeatPlans(args.routes, plans);

    const groupName = canaryGroupName(args.stack);
    const group = new aws.scheduler.ScheduleGroup(name, { name: groupName }, { parent: this });
    const groupArn = pulumi.interpolate`arn:${args.partition}:scheduler:${args.region}:${args.accountId}:schedule-group/${groupName}`;
    const role = roleTrusting(`${name}-role`, { service: "scheduler.amazonaws.com", sourceAccount: args.accountId, sourceArn: groupArn }, this);
    const writes = plans.flatMap((p) => [p.beat, ...(p.prepare ? [p.prepare] : [])]);
    const actions = [...new Set(writes.map((w) => `dynamodb:${w.action === "putItem" ? "PutItem" : "DeleteItem"}`))].sort();
    const policy = allowItemWrites(`${name}-write-policy`, role, args.tableArn, actions, plans.map((p) => p.key), this);

    for (const plan of plans) {
      for (const [phase, write] of [["beat", plan.beat], ["prepare", plan.prepare]] as const) {
        if (!write) continue;
        new aws.scheduler.Schedule(
          `${name}-${plan.route}-${phase}`,
          {
            name: heartbeatScheduleName(plan.route, phase),
            groupName: group.name,
            description:
              phase === "beat"
                ? `Heartbeat of route ${plan.route} (stack ${args.stack}): a change its filter passes, every ${args.periodMinutes} min`
                : `Prepares route ${plan.route}'s heartbeat (${plan.why}), half a period before its beat`,
            scheduleExpression: heartbeatCron(args.periodMinutes, phase),
            flexibleTimeWindow: { mode: "OFF" },
            target: {
              arn: pulumi.interpolate`arn:${args.partition}:scheduler:::aws-sdk:dynamodb:${write.action}`,
              roleArn: role.arn,
              input: requestOf(write, args.tableName),
              retryPolicy: { ...HEARTBEAT_RETRY },
            },
          },
          { parent: this, dependsOn: [policy] },
        );
      }
    }

    this.groupName = groupName;
    this.plans = plans;
    this.roleArn = role.arn;
    this.registerOutputs({ groupName, roleArn: this.roleArn });
  }
}
