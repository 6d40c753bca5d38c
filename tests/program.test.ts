import { strict as assert } from "node:assert";
import { readStackConfig } from "../config/stackFile";
import { type DeclaredResource, type DeclaredStack, evaluateProgram } from "../local/evaluateProgram";
import { sh } from "./support/spawn";

const ROUTES = [
  { route: "normal", prefix: "Normal", minAmount: "100" },
  { route: "premium", prefix: "Premium", minAmount: "1000" },
] as const;

function find(stack: DeclaredStack, type: string, name: string): DeclaredResource {
  const hit = stack.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(hit.length, 1, `expected one ${type} named ${name}, found ${hit.length}`);
  return hit[0];
}

function expectedResources(prefix: string): string[] {
  const processor = `${prefix}OrdersProcessor`;
  const pipe = `${prefix}OrdersPipe`;
  return [
    `orders:processing:ProcessorWithDlq ${processor}`,
    `aws:sqs/queue:Queue ${processor}-dlq`,
    `aws:cloudwatch/logGroup:LogGroup ${processor}-logs`,
    `aws:iam/role:Role ${processor}-role`,
    `aws:iam/rolePolicy:RolePolicy ${processor}-logs-policy`,
    `aws:iam/rolePolicy:RolePolicy ${processor}-dlq-policy`,
    `aws:iam/rolePolicy:RolePolicy ${processor}-idempotency-policy`,
    `aws:lambda/function:Function ${processor}`,
    `orders:monitoring:RouteAlarms ${prefix}Orders`,
    `aws:cloudwatch/metricAlarm:MetricAlarm ${prefix}Orders-retrying-alarm`,
    `aws:cloudwatch/metricAlarm:MetricAlarm ${prefix}Orders-errors-alarm`,
    `aws:cloudwatch/metricAlarm:MetricAlarm ${prefix}Orders-dlq-messages-alarm`,
    `aws:cloudwatch/metricAlarm:MetricAlarm ${prefix}Orders-dlq-age-alarm`,
    `aws:cloudwatch/metricAlarm:MetricAlarm ${prefix}Orders-quarantined-by-reference-alarm`,
    `orders:routing:FilteredPipe ${pipe}`,
    `aws:cloudwatch/logGroup:LogGroup ${pipe}-logs`,
    `aws:iam/role:Role ${pipe}-role`,
    `aws:iam/rolePolicy:RolePolicy ${pipe}-source-policy`,
    `aws:iam/rolePolicy:RolePolicy ${pipe}-target-policy`,
    `aws:iam/rolePolicy:RolePolicy ${pipe}-dlq-policy`,
    `aws:iam/rolePolicy:RolePolicy ${pipe}-logs-policy`,
    `aws:pipes/pipe:Pipe ${pipe}`,
  ];
}

/** "action on resource" for every statement of every inline policy of a role. */
function grantsOf(stack: DeclaredStack, roleName: string): string[] {
  const role = find(stack, "aws:iam/role:Role", roleName);
  const grants: string[] = [];
  for (const policy of stack.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.state.role === role.id)) {
    const doc = JSON.parse(policy.state.policy);
    for (const st of doc.Statement) {
      assert.equal(st.Effect, "Allow");
      for (const action of [st.Action].flat()) for (const resource of [st.Resource].flat()) grants.push(`${action} on ${resource}`);
    }
  }
  return grants.sort();
}

describe("the Pulumi program under mocks", () => {
  let dev: DeclaredStack;
  let prod: DeclaredStack;
  before(async () => {
    dev = await evaluateProgram("dev");
    prod = await evaluateProgram("prod");
  });

  it("declares the Orders table, the idempotency table, two processors with DLQs and alarms, two pipes, one alarm topic, one dashboard, the canary and liveness alarms", () => {
    const declared = dev.resources.map((r) => `${r.type} ${r.name}`).sort();
    const expected = [
      "aws:sns/topic:Topic OrdersAlarms",
      "aws:cloudwatch/dashboard:Dashboard OrdersPipeline",
      "orders:storage:OrdersTable Orders",
      "aws:dynamodb/table:Table Orders",
      "orders:storage:IdempotencyTable OrderEffects",
      "aws:dynamodb/table:Table OrderEffects",
      ...expectedResources("Normal"),
      ...expectedResources("Premium"),
      // Liveness (infra/canary.ts, infra/livenessAlarms.ts): a schedule per write, per route two alarms.
      "orders:monitoring:Canary OrdersCanary",
      "aws:scheduler/scheduleGroup:ScheduleGroup OrdersCanary",
      "aws:iam/role:Role OrdersCanary-role",
      "aws:iam/rolePolicy:RolePolicy OrdersCanary-write-policy",
      "aws:scheduler/schedule:Schedule OrdersCanary-normal-beat",
      "aws:scheduler/schedule:Schedule OrdersCanary-premium-beat",
      "aws:scheduler/schedule:Schedule OrdersCanary-premium-prepare",
      ...["Normal", "Premium"].flatMap((p) => [`orders:monitoring:LivenessAlarms ${p}Orders`, `aws:cloudwatch/metricAlarm:MetricAlarm ${p}Orders-heartbeat-alarm`, `aws:cloudwatch/metricAlarm:MetricAlarm ${p}Orders-latency-alarm`]),
    ].sort();
    assert.deepEqual(declared, expected);
  });

  it("the table is keyed by orderId, on demand, with a NEW_AND_OLD_IMAGES stream, PITR and SSE", () => {
    const t = find(dev, "aws:dynamodb/table:Table", "Orders").state;
    assert.equal(t.hashKey, "orderId");
    assert.deepEqual(t.attributes, [{ name: "orderId", type: "S" }]);
    assert.equal(t.billingMode, "PAY_PER_REQUEST");
    assert.equal(t.streamEnabled, true);
    assert.equal(t.streamViewType, "NEW_AND_OLD_IMAGES");
    assert.deepEqual(t.pointInTimeRecovery, { enabled: true });
    assert.deepEqual(t.serverSideEncryption, { enabled: true });
    assert.equal(t.deletionProtectionEnabled, false);
  });

  for (const { route, prefix, minAmount } of ROUTES) {
    describe(`the ${route} route`, () => {
      it("pipe: source is the table's stream, target its processor, DLQ that processor's queue", () => {
        const pipe = find(dev, "aws:pipes/pipe:Pipe", `${prefix}OrdersPipe`).state;
        const table = find(dev, "aws:dynamodb/table:Table", "Orders").state;
        const fn = find(dev, "aws:lambda/function:Function", `${prefix}OrdersProcessor`).state;
        const dlq = find(dev, "aws:sqs/queue:Queue", `${prefix}OrdersProcessor-dlq`).state;
        assert.equal(pipe.source, table.streamArn);
        assert.match(pipe.source, /^arn:aws:dynamodb:us-east-1:\d{12}:table\/Orders\/stream\//);
        assert.equal(pipe.target, fn.arn);
        assert.equal(pipe.sourceParameters.dynamodbStreamParameters.deadLetterConfig.arn, dlq.arn);
        assert.equal(pipe.roleArn, find(dev, "aws:iam/role:Role", `${prefix}OrdersPipe-role`).state.arn);
        assert.deepEqual(pipe.targetParameters, { lambdaFunctionParameters: { invocationType: "REQUEST_RESPONSE" } });
        assert.equal(pipe.logConfiguration.level, "ERROR");
        assert.equal(pipe.logConfiguration.cloudwatchLogsLogDestination.logGroupArn, find(dev, "aws:cloudwatch/logGroup:LogGroup", `${prefix}OrdersPipe-logs`).state.arn);
      });

      it("pipe: every source parameter is set explicitly from the stack config", () => {
        const p = find(dev, "aws:pipes/pipe:Pipe", `${prefix}OrdersPipe`).state.sourceParameters.dynamodbStreamParameters;
        assert.deepEqual(
          { ...p, deadLetterConfig: undefined },
          {
            startingPosition: "TRIM_HORIZON",
            batchSize: 10,
            maximumBatchingWindowInSeconds: 1,
            maximumRetryAttempts: 5,
            maximumRecordAgeInSeconds: 3600,
            onPartialBatchItemFailure: "AUTOMATIC_BISECT",
            parallelizationFactor: 1,
            deadLetterConfig: undefined,
          },
        );
      });

      it("processor: nodejs24.x on arm64, bundled handler, route environment, its own log group", () => {
        const fn = find(dev, "aws:lambda/function:Function", `${prefix}OrdersProcessor`).state;
        const dlq = find(dev, "aws:sqs/queue:Queue", `${prefix}OrdersProcessor-dlq`).state;
        const logs = find(dev, "aws:cloudwatch/logGroup:LogGroup", `${prefix}OrdersProcessor-logs`).state;
        assert.equal(fn.runtime, "nodejs24.x");
        assert.deepEqual(fn.architectures, ["arm64"]);
        assert.equal(fn.handler, "index.handler");
        assert.equal(fn.memorySize, 256);
        assert.equal(fn.role, find(dev, "aws:iam/role:Role", `${prefix}OrdersProcessor-role`).state.arn);
        assert.equal(fn.environment.variables.ORDERS_ROUTE, route);
        assert.equal(fn.environment.variables.ORDERS_MIN_AMOUNT, minAmount);
        assert.equal(fn.environment.variables.ORDERS_TEST_EMAIL_DOMAINS, "test.com");
        assert.equal(fn.environment.variables.ORDERS_DLQ_URL, dlq.url);
        assert.deepEqual(fn.loggingConfig, { logFormat: "Text", logGroup: logs.name });
        assert.equal(logs.retentionInDays, 7);
      });

      it("DLQ: SSE-SQS, 14-day retention, and SQS's largest message (1 MiB, not the provider's default 256 KiB)", () => {
        const dlq = find(dev, "aws:sqs/queue:Queue", `${prefix}OrdersProcessor-dlq`).state;
        assert.equal(dlq.sqsManagedSseEnabled, true);
        assert.equal(dlq.messageRetentionSeconds, 1209600);
        assert.equal(dlq.maxMessageSize, 1048576);
      });

      it("pipe: named for its route and stack, so its role's trust policy can name it", () => {
        for (const [s, name] of [[dev, `${prefix}OrdersPipe-dev`], [prod, `${prefix}OrdersPipe-prod`]] as const) {
          const pipe = find(s, "aws:pipes/pipe:Pipe", `${prefix}OrdersPipe`).state;
          assert.equal(pipe.name, name);
          assert.equal(pipe.arn, `arn:aws:pipes:us-east-1:123456789012:pipe/${name}`);
          assert.equal(s.outputs[route].pipeName, name);
        }
      });

      it("pipe role: exactly stream read, invoke of its processor, send to its DLQ, write to its log group", () => {
        const stream = find(dev, "aws:dynamodb/table:Table", "Orders").state.streamArn;
        const fn = find(dev, "aws:lambda/function:Function", `${prefix}OrdersProcessor`).state.arn;
        const dlq = find(dev, "aws:sqs/queue:Queue", `${prefix}OrdersProcessor-dlq`).state.arn;
        const logs = find(dev, "aws:cloudwatch/logGroup:LogGroup", `${prefix}OrdersPipe-logs`).state.arn;
        assert.deepEqual(
          grantsOf(dev, `${prefix}OrdersPipe-role`),
          [
            `dynamodb:DescribeStream on ${stream}`,
            `dynamodb:GetRecords on ${stream}`,
            `dynamodb:GetShardIterator on ${stream}`,
            "dynamodb:ListStreams on *",
            `lambda:InvokeFunction on ${fn}`,
            `logs:CreateLogStream on ${logs}:*`,
            `logs:PutLogEvents on ${logs}:*`,
            `sqs:SendMessage on ${dlq}`,
          ].sort(),
        );
        // Only this pipe, of this account, may assume the role (confused deputy prevention).
        const pipeArn = find(dev, "aws:pipes/pipe:Pipe", `${prefix}OrdersPipe`).state.arn;
        assert.equal(pipeArn, `arn:aws:pipes:us-east-1:123456789012:pipe/${prefix}OrdersPipe-dev`);
        assert.deepEqual(JSON.parse(find(dev, "aws:iam/role:Role", `${prefix}OrdersPipe-role`).state.assumeRolePolicy), {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "pipes.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnEquals: { "aws:SourceArn": pipeArn } },
            },
          ],
        });
      });

      it("every inline policy of both roles, exactly", () => {
        const stream = find(dev, "aws:dynamodb/table:Table", "Orders").state.streamArn;
        const fn = find(dev, "aws:lambda/function:Function", `${prefix}OrdersProcessor`).state.arn;
        const dlq = find(dev, "aws:sqs/queue:Queue", `${prefix}OrdersProcessor-dlq`).state.arn;
        const pipeLogs = find(dev, "aws:cloudwatch/logGroup:LogGroup", `${prefix}OrdersPipe-logs`).state.arn;
        const fnLogs = find(dev, "aws:cloudwatch/logGroup:LogGroup", `${prefix}OrdersProcessor-logs`).state.arn;
        const doc = (...Statement: object[]) => ({ Version: "2012-10-17", Statement });
        const allow = (Action: string[], Resource: string[]) => ({ Effect: "Allow", Action, Resource });
        const expected: Record<string, object> = {
          [`${prefix}OrdersPipe-source-policy`]: doc(
            allow(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], [stream]),
            allow(["dynamodb:ListStreams"], ["*"]),
          ),
          [`${prefix}OrdersPipe-target-policy`]: doc(allow(["lambda:InvokeFunction"], [fn])),
          [`${prefix}OrdersPipe-dlq-policy`]: doc(allow(["sqs:SendMessage"], [dlq])),
          [`${prefix}OrdersPipe-logs-policy`]: doc(allow(["logs:CreateLogStream", "logs:PutLogEvents"], [`${pipeLogs}:*`])),
          [`${prefix}OrdersProcessor-logs-policy`]: doc(allow(["logs:CreateLogStream", "logs:PutLogEvents"], [`${fnLogs}:*`])),
          [`${prefix}OrdersProcessor-dlq-policy`]: doc(allow(["sqs:SendMessage"], [dlq])),
        };
        for (const [name, policy] of Object.entries(expected)) {
          const declared = find(dev, "aws:iam/rolePolicy:RolePolicy", name).state;
          const role = name.includes("Pipe-") ? `${prefix}OrdersPipe-role` : `${prefix}OrdersProcessor-role`;
          assert.equal(declared.role, find(dev, "aws:iam/role:Role", role).id, `${name} is attached to ${role}`);
          assert.deepEqual(JSON.parse(declared.policy), policy, name);
        }
      });

      it("processor role: exactly writing its own logs, sending to its own DLQ and recording effects in the idempotency table", () => {
        const dlq = find(dev, "aws:sqs/queue:Queue", `${prefix}OrdersProcessor-dlq`).state.arn;
        const logs = find(dev, "aws:cloudwatch/logGroup:LogGroup", `${prefix}OrdersProcessor-logs`).state.arn;
        const effects = find(dev, "aws:dynamodb/table:Table", "OrderEffects").state.arn;
        assert.deepEqual(grantsOf(dev, `${prefix}OrdersProcessor-role`), [
          `dynamodb:DeleteItem on ${effects}`,
          `dynamodb:GetItem on ${effects}`,
          `dynamodb:PutItem on ${effects}`,
          `dynamodb:UpdateItem on ${effects}`,
          `logs:CreateLogStream on ${logs}:*`,
          `logs:PutLogEvents on ${logs}:*`,
          `sqs:SendMessage on ${dlq}`,
        ]);
        // Only Lambda acting for this account may assume the role.
        assert.deepEqual(JSON.parse(find(dev, "aws:iam/role:Role", `${prefix}OrdersProcessor-role`).state.assumeRolePolicy), {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
            },
          ],
        });
      });
    });
  }

  it("the filter patterns are the routes' canonical JSON (sorted keys), on the dynamodb key only, and match no amount or email", () => {
    const patterns = (prefix: string) =>
      find(dev, "aws:pipes/pipe:Pipe", `${prefix}OrdersPipe`).state.sourceParameters.filterCriteria.filters.map((f: { pattern: string }) => f.pattern);
    assert.deepEqual(patterns("Normal"), ['{"dynamodb":{"NewImage":{"orderStatus":{"S":["pending","shipped"]}}}}']);
    assert.deepEqual(patterns("Premium"), [
      '{"dynamodb":{"NewImage":{"orderStatus":{"S":["shipped"]}},"OldImage":{"orderStatus":{"S":["pending"]}}}}',
    ]);
  });

  it("no policy anywhere grants a wildcard action, or a wildcard resource except ListStreams", () => {
    for (const policy of dev.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")) {
      for (const st of JSON.parse(policy.state.policy).Statement) {
        for (const action of [st.Action].flat()) assert.ok(!action.includes("*"), `${policy.name} grants ${action}`);
        for (const resource of [st.Resource].flat()) {
          if (resource === "*" || resource.endsWith(":*:*")) assert.deepEqual(st.Action, ["dynamodb:ListStreams"], `${policy.name} grants ${st.Action} on ${resource}`);
        }
      }
    }
  });

  it("prod differs from dev where production should", () => {
    const table = (s: DeclaredStack) => find(s, "aws:dynamodb/table:Table", "Orders").state;
    assert.equal(table(prod).deletionProtectionEnabled, true);
    const retention = (s: DeclaredStack) => find(s, "aws:cloudwatch/logGroup:LogGroup", "NormalOrdersProcessor-logs").state.retentionInDays;
    assert.equal(retention(dev), 7);
    assert.equal(retention(prod), 90);
    const pipe = (s: DeclaredStack) => find(s, "aws:pipes/pipe:Pipe", "PremiumOrdersPipe").state.sourceParameters.dynamodbStreamParameters;
    assert.equal(pipe(prod).maximumRecordAgeInSeconds, 43200); // leaves 12 of the stream's 24 h
    assert.equal(pipe(prod).batchSize, 25);
    // The routes themselves do not change between stacks.
    const filters = (s: DeclaredStack) => find(s, "aws:pipes/pipe:Pipe", "NormalOrdersPipe").state.sourceParameters.filterCriteria;
    assert.deepEqual(filters(prod), filters(dev));
  });

  it("both stacks tag every AWS resource with the project and the environment (provider default tags)", () => {
    for (const stack of ["dev", "prod"]) {
      const tags = JSON.parse(readStackConfig(stack)["aws:defaultTags"]).tags;
      assert.deepEqual(tags, { project: "orders-pipeline", environment: stack });
    }
  });

  it("exports the outputs callers need", () => {
    const o = dev.outputs;
    assert.equal(o.dashboardName, "orders-pipeline-dev");
    assert.equal(o.normal.dlqName, find(dev, "aws:sqs/queue:Queue", "NormalOrdersProcessor-dlq").state.name);
    assert.equal(o.tableName, "Orders");
    assert.equal(o.streamArn, find(dev, "aws:dynamodb/table:Table", "Orders").state.streamArn);
    assert.equal(o.normal.dlqUrl, find(dev, "aws:sqs/queue:Queue", "NormalOrdersProcessor-dlq").state.url);
    assert.equal(o.premium.pipeArn, find(dev, "aws:pipes/pipe:Pipe", "PremiumOrdersPipe").state.arn);
    assert.equal(o.premium.processorName, "PremiumOrdersProcessor");
    assert.equal(o.alarmTopicArn, find(dev, "aws:sns/topic:Topic", "OrdersAlarms").state.arn);
  });

  it("the CLI's build of the program (dist/, which `local` evaluates) exports the same outputs, one per route included", async () => {
    // esbuild's CommonJS output keeps `exports` apart from `module.exports`: an output assigned
    // to `exports` would be missing there and present under ts-node (index.ts says which to use).
    const script = `require("./cli/build").ensureBuilt(); require("./dist/local/evaluateProgram").evaluateProgram("dev").then((s) => { process.stdout.write(JSON.stringify(s.outputs)); process.exit(0); })`;
    const r = await sh(`node -e '${script}'`, { timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    const built = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(built).sort(), Object.keys(dev.outputs).sort());
    assert.equal(built.normal.pipeName, "NormalOrdersPipe-dev");
    assert.equal(built.premium.processorName, "PremiumOrdersProcessor");
  });

  it("subscribes the alarm e-mail when orders:alarmEmail is set", async () => {
    const s = await evaluateProgram("dev", { "orders:alarmEmail": "oncall@example.com" });
    const sub = find(s, "aws:sns/topicSubscription:TopicSubscription", "OrdersAlarmsEmail").state;
    assert.equal(sub.protocol, "email");
    assert.equal(sub.endpoint, "oncall@example.com");
    assert.equal(sub.topic, find(s, "aws:sns/topic:Topic", "OrdersAlarms").state.arn);
  });

  it("honours lambdaArchitecture and lambdaMemoryMb", async () => {
    const s = await evaluateProgram("dev", { "orders:lambdaArchitecture": "x86_64", "orders:lambdaMemoryMb": "1024" });
    const fn = find(s, "aws:lambda/function:Function", "NormalOrdersProcessor").state;
    assert.deepEqual(fn.architectures, ["x86_64"]);
    assert.equal(fn.memorySize, 1024);
  });

  it("gives each processor orders:ordersInFlight (16 when the stack leaves it out)", async () => {
    const byDefault = await evaluateProgram("dev");
    const set = await evaluateProgram("dev", { "orders:ordersInFlight": "4" });
    for (const name of ["NormalOrdersProcessor", "PremiumOrdersProcessor"]) {
      assert.equal(find(byDefault, "aws:lambda/function:Function", name).state.environment.variables.ORDERS_IN_FLIGHT, "16", name);
      assert.equal(find(set, "aws:lambda/function:Function", name).state.environment.variables.ORDERS_IN_FLIGHT, "4", name);
    }
  });

  describe("a wrong config value fails the program before anything is declared", () => {
    const cases: [key: string, value: string, message: RegExp][] = [
      ["orders:maxRetryAttempts", "20000", /orders:maxRetryAttempts is 20000 in Pulumi\.dev\.yaml; a pipe accepts -1 \(retry forever\) or 0 to 10000/],
      ["orders:batchSize", "0", /orders:batchSize is 0 in Pulumi\.dev\.yaml; a pipe accepts 1 to 10000/],
      ["orders:ordersInFlight", "0", /orders:ordersInFlight is 0 in Pulumi\.dev\.yaml; a processor handles 1 to 100 of a batch's orders at once/],
      ["orders:startingPosition", "NOW", /orders:startingPosition is NOW in Pulumi\.dev\.yaml; must be one of TRIM_HORIZON, LATEST/],
      ["orders:normalMinAmount", "ten", /orders:normalMinAmount is ten in Pulumi\.dev\.yaml/],
      ["orders:testEmailDomains", "[]", /orders:testEmailDomains is \[\] in Pulumi\.dev\.yaml; must be a non-empty list/],
      ["orders:maxRecordAgeSeconds", "86400", /orders:maxRecordAgeSeconds is 86400 in Pulumi\.dev\.yaml; the source is a DynamoDB stream/],
    ];
    it("orders:batchingWindowSeconds = 120 with orders:maxRecordAgeSeconds = 60 (AWS refuses it at up)", async () => {
      const declared: DeclaredResource[] = [];
      const overrides = { "orders:batchingWindowSeconds": "120", "orders:maxRecordAgeSeconds": "60" };
      await assert.rejects(evaluateProgram("dev", overrides, undefined, declared), /orders:batchingWindowSeconds \(120\) must be less than orders:maxRecordAgeSeconds \(60\)/);
      assert.deepEqual(declared, [], "nothing may be declared");
    });
    for (const [key, value, message] of cases) {
      it(`${key} = ${value}`, async () => {
        const declared: DeclaredResource[] = [];
        await assert.rejects(evaluateProgram("dev", { [key]: value }, undefined, declared), message);
        assert.deepEqual(declared, [], "nothing may be declared");
      });
    }
  });
});
