import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { FilteredPipe, type FilteredPipeArgs } from "../infra/filteredPipe";

// FilteredPipe on its own: how its children are declared (options included), and the
// argument checks it makes before creating anything.

interface Declared {
  type: string;
  name: string;
  resource: pulumi.Resource;
  opts: pulumi.CustomResourceOptions;
}

const ARGS: FilteredPipeArgs = {
  pipeName: "P-test",
  accountId: "123456789012",
  region: "eu-west-1",
  partition: "aws",
  sourceStreamArn: "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-01-01T00:00:00.000",
  targetFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:fn",
  deadLetterQueueArn: "arn:aws:sqs:us-east-1:123456789012:dlq",
  filterPatterns: ['{"eventName":["MODIFY"]}'],
  startingPosition: "TRIM_HORIZON",
  batchSize: 10,
  maximumBatchingWindowInSeconds: 1,
  maximumRetryAttempts: 5,
  maximumRecordAgeInSeconds: 3600,
  logRetentionDays: 7,
};

function settled<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

async function declare(args: FilteredPipeArgs): Promise<Declared[]> {
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => ({ id: `${a.name}-id`, state: { ...a.inputs, arn: `arn:aws:mock:::${a.name}`, name: a.inputs.name ?? a.name } }),
      call: (a) => {
        throw new Error(`unexpected call ${a.token}`);
      },
    },
    "orders-pipeline",
    "test",
    true,
  );
  const declared: Declared[] = [];
  const pipe = new FilteredPipe("P", args, {
    transformations: [
      (t) => {
        declared.push({ type: t.type, name: t.name, resource: t.resource, opts: t.opts });
        return undefined;
      },
    ],
  });
  await new Promise((resolve) => pipe.pipeArn.apply(resolve));
  return declared;
}

describe("FilteredPipe", () => {
  it("creates the pipe only after every policy of its role (terraform-provider-aws#40572)", async () => {
    const declared = await declare(ARGS);
    const policies = declared.filter((d) => d.type === "aws:iam/rolePolicy:RolePolicy");
    assert.deepEqual(policies.map((p) => p.name).sort(), ["P-dlq-policy", "P-logs-policy", "P-source-policy", "P-target-policy"]);
    const pipe = declared.find((d) => d.type === "aws:pipes/pipe:Pipe");
    assert.ok(pipe);
    const deps = pipe.opts.dependsOn as pulumi.Resource[];
    for (const p of policies) assert.ok(deps.includes(p.resource), `the pipe depends on ${p.name}`);
  });

  it("names the pipe explicitly, replaces it by deleting first, and lets only that pipe of this account assume its role", async () => {
    const declared = await declare(ARGS);
    const pipe = declared.find((d) => d.type === "aws:pipes/pipe:Pipe");
    assert.ok(pipe);
    assert.equal(pipe.opts.deleteBeforeReplace, true);
    const pipeState = await settled((pipe.resource as unknown as { name: pulumi.Output<string> }).name);
    assert.equal(pipeState, "P-test");
    const role = declared.find((d) => d.type === "aws:iam/role:Role");
    assert.ok(role);
    const trust = JSON.parse(await settled((role.resource as unknown as { assumeRolePolicy: pulumi.Output<string> }).assumeRolePolicy));
    assert.deepEqual(trust, {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "pipes.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": "123456789012" },
            ArnEquals: { "aws:SourceArn": "arn:aws:pipes:eu-west-1:123456789012:pipe/P-test" },
          },
        },
      ],
    });
  });

  it("parents every child to the component and derives its name", async () => {
    const declared = await declare(ARGS);
    const component = declared.find((d) => d.type === "orders:routing:FilteredPipe");
    const children = declared.filter((d) => d !== component);
    assert.equal(children.length, 7); // log group, role, four policies, pipe
    for (const d of children) {
      assert.ok(d.name === "P" || d.name.startsWith("P-"), d.name);
      assert.equal(d.opts.parent, component?.resource, `${d.name} is parented to the component`);
    }
  });

  const bad: [Partial<FilteredPipeArgs>, RegExp][] = [
    [{ maximumRetryAttempts: 0 }, /FilteredPipe P: maximumRetryAttempts is 0; a pipe on a DynamoDB stream accepts 1 to 10000/],
    [{ maximumRetryAttempts: -1 }, /maximumRetryAttempts is -1/],
    [{ batchSize: 10001 }, /batchSize is 10001; .* 1 to 10000/],
    [{ maximumBatchingWindowInSeconds: 301 }, /maximumBatchingWindowInSeconds is 301/],
    [{ maximumRecordAgeInSeconds: 59 }, /maximumRecordAgeInSeconds is 59; .* 60 to 604800/],
    [{ filterPatterns: [] }, /at least one filter/],
    [{ filterPatterns: Array(6).fill('{"a":["x"]}') }, /at most 5 filters; got 6/],
    [{ filterPatterns: ['{"a":[{"wildcard":"x*"}]}'] }, /"wildcard" is accepted on an event bus but not by EventBridge Pipes/],
    [{ maximumBatchingWindowInSeconds: 60, maximumRecordAgeInSeconds: 60 }, /maximumBatchingWindowInSeconds \(60\) must be less than maximumRecordAgeInSeconds \(60\)/],
    [{ pipeName: "Normal Orders" }, /FilteredPipe P: pipeName "Normal Orders" must be 1 to 64 letters, digits/],
    [{ pipeName: "x".repeat(65) }, /pipeName "x{65}" must be 1 to 64/],
  ];
  for (const [override, message] of bad) {
    it(`refuses ${JSON.stringify(override).slice(0, 60)} before creating anything`, async () => {
      await assert.rejects(declare({ ...ARGS, ...override }), message);
    });
  }
});
