import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";

// Grants with one job each, in the spirit of CDK's grantStreamRead / grantInvoke: one inline
// policy per grant, built from ARNs with pulumi.jsonStringify, least privilege by default.

export type Statement = { Effect: "Allow"; Action: string[]; Resource: pulumi.Input<string>[] };

function rolePolicy(name: string, role: aws.iam.Role, statements: Statement[], parent: pulumi.Resource): aws.iam.RolePolicy {
  return new aws.iam.RolePolicy(
    name,
    { role: role.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) },
    { parent },
  );
}

/** Who may assume a role: one AWS service, acting for this account (and one resource of it). */
export interface ServiceTrust {
  /** The service principal, e.g. pipes.amazonaws.com. */
  readonly service: string;
  /** The account whose resources may use the role: `aws:SourceAccount`. */
  readonly sourceAccount: pulumi.Input<string>;
  /** The one resource that may use the role: `aws:SourceArn`, only where the service sets it. */
  readonly sourceArn?: pulumi.Input<string>;
}

/**
 * A role only `trust.service` may assume, and only on behalf of this account (and resource):
 * the `aws:SourceAccount` / `aws:SourceArn` conditions AWS recommends against the
 * cross-service confused deputy problem (IAM User Guide, confused-deputy.html; EventBridge
 * cross-service-confused-deputy-prevention.html; Lambda permissions-managed-policies.html).
 */
export function roleTrusting(name: string, trust: ServiceTrust, parent: pulumi.Resource): aws.iam.Role {
  const condition: Record<string, Record<string, pulumi.Input<string>>> = { StringEquals: { "aws:SourceAccount": trust.sourceAccount } };
  if (trust.sourceArn !== undefined) condition.ArnEquals = { "aws:SourceArn": trust.sourceArn };
  return new aws.iam.Role(
    name,
    {
      assumeRolePolicy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: trust.service }, Action: "sts:AssumeRole", Condition: condition }],
      }),
    },
    { parent },
  );
}

/** Read one DynamoDB stream (what a pipe needs to poll it). */
export function allowStreamRead(name: string, role: aws.iam.Role, streamArn: pulumi.Input<string>, parent: pulumi.Resource) {
  return rolePolicy(
    name,
    role,
    [
      { Effect: "Allow", Action: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], Resource: [streamArn] },
      // ListStreams has no resource-level permissions (IAM Service Authorization Reference:
      // no resource type for this action), so AWS requires "*"; it only lists stream ARNs.
      { Effect: "Allow", Action: ["dynamodb:ListStreams"], Resource: ["*"] },
    ],
    parent,
  );
}

/** Invoke one Lambda function. */
export function allowInvoke(name: string, role: aws.iam.Role, functionArn: pulumi.Input<string>, parent: pulumi.Resource) {
  return rolePolicy(name, role, [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [functionArn] }], parent);
}

/** Send to one SQS queue (SSE-SQS: no KMS permission needed). */
export function allowSend(name: string, role: aws.iam.Role, queueArn: pulumi.Input<string>, parent: pulumi.Resource) {
  return rolePolicy(name, role, [{ Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [queueArn] }], parent);
}

/**
 * Record a route's effects in the idempotency table: what Powertools' DynamoDB persistence
 * layer calls (its IAM section: GetItem, PutItem, UpdateItem, DeleteItem), on that table only.
 */
export function allowEffectRecords(name: string, role: aws.iam.Role, tableArn: pulumi.Input<string>, parent: pulumi.Resource) {
  return rolePolicy(name, role, [{ Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], Resource: [tableArn] }], parent);
}

/** What a business step needs beyond the pipeline: these actions on these resources, nothing else. */
export function allowActions(name: string, role: aws.iam.Role, actions: readonly string[], resources: readonly pulumi.Input<string>[], parent: pulumi.Resource) {
  return rolePolicy(name, role, [{ Effect: "Allow", Action: [...actions], Resource: [...resources] }], parent);
}

/** Write log events into one log group that already exists (no CreateLogGroup). */
export function allowLogWrite(name: string, role: aws.iam.Role, logGroupArn: pulumi.Input<string>, parent: pulumi.Resource) {
  return rolePolicy(
    name,
    role,
    [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [pulumi.interpolate`${logGroupArn}:*`] }],
    parent,
  );
}

/**
 * Write the canary's heartbeat items into one table, and nothing else: the actions its
 * schedules call, on that table, only for items whose partition key is one of `keys`
 * (`dynamodb:LeadingKeys` with ForAllValues:StringEquals, DynamoDB developer guide, "Using IAM
 * policy conditions for fine-grained access control").
 */
export function allowItemWrites(name: string, role: aws.iam.Role, tableArn: pulumi.Input<string>, actions: readonly string[], keys: readonly string[], parent: pulumi.Resource) {
  return new aws.iam.RolePolicy(
    name,
    {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: [...actions], Resource: [tableArn], Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [...keys] } } }],
      }),
    },
    { parent },
  );
}
