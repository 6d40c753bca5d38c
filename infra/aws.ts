// The parts of @pulumi/aws this program uses, each from its own module. `import * as aws from
// "@pulumi/aws"` makes TypeScript read every service's declarations (4,222 files, 895k lines
// for this project); these imports, 1,701 files and 460k lines: `npm run typecheck` ~11 → ~8.5 s
// here, and the same for a `pulumi preview` that type-checks. Pulumi's own account of that cost:
// pulumi/pulumi#10442 ("Localize TypeScript Imports"), pulumi/pulumi-aws#1015. A new service is
// one more line here.
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as dynamodb from "@pulumi/aws/dynamodb";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export { getPartitionOutput } from "@pulumi/aws/getPartition";
export { getRegionOutput } from "@pulumi/aws/getRegion";
export * as iam from "@pulumi/aws/iam";
export * as lambda from "@pulumi/aws/lambda";
export * as pipes from "@pulumi/aws/pipes";
export * as scheduler from "@pulumi/aws/scheduler";
export * as sns from "@pulumi/aws/sns";
export * as sqs from "@pulumi/aws/sqs";
