import * as aws from "@pulumi/aws";
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

export function roleTrusting(name: string, service: string, parent: pulumi.Resource): aws.iam.Role {
  return new aws.iam.Role(
    name,
    {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
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

/** Write log events into one log group that already exists (no CreateLogGroup). */
export function allowLogWrite(name: string, role: aws.iam.Role, logGroupArn: pulumi.Input<string>, parent: pulumi.Resource) {
  return rolePolicy(
    name,
    role,
    [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [pulumi.interpolate`${logGroupArn}:*`] }],
    parent,
  );
}
