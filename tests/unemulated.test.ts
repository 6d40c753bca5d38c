import { strict as assert } from "node:assert";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { refusal, serviceOf, startUnemulated, type Unemulated } from "../local/unemulated";

// Locally, a processor's call to a service the local runtime does not emulate fails at once,
// naming the service: the real SDK, pointed at the refusal by AWS_ENDPOINT_URL as the
// processors are, gets a non-retryable error with that message on its first attempt.

describe("a call to a service the local runtime does not emulate", function () {
  this.timeout(30000);
  let server: Unemulated;
  before(async () => (server = await startUnemulated()));
  after(async () => server?.stop());

  it("reads the service from the request's SigV4 credential scope", () => {
    assert.equal(serviceOf("AWS4-HMAC-SHA256 Credential=local/20261130/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc"), "s3");
    assert.equal(serviceOf(undefined), undefined);
  });

  it("the SDK (a JSON protocol, Lambda) fails at once, on its first attempt, with the message that names the service", async () => {
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = server.endpoint; // as localEnvironment sets it for the processors
    const lambda = new LambdaClient({ region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    try {
      const started = Date.now();
      const err = await lambda.send(new InvokeCommand({ FunctionName: "elsewhere" })).then(
        () => assert.fail("the call succeeded"),
        (e: Error & { $metadata?: { attempts?: number } }) => e,
      );
      assert.equal(err.message, refusal("lambda"));
      assert.match(err.message, /the AWS service "lambda", which the local runtime does not emulate \(it emulates DynamoDB, DynamoDB Streams, SQS\)/);
      assert.equal(err.$metadata?.attempts, 1, "not retried");
      assert.ok(Date.now() - started < 5000, "at once");
    } finally {
      lambda.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });

  it("query and REST-XML protocols get their own error shapes with the same message", async () => {
    const signed = (service: string) => `AWS4-HMAC-SHA256 Credential=local/20261130/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`;
    const query = await fetch(server.endpoint, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: signed("sns") }, body: "Action=Publish" });
    assert.equal(query.status, 400);
    assert.match(await query.text(), /^<ErrorResponse><Error><Type>Sender<\/Type><Code>LocalServiceNotEmulated<\/Code><Message>orders-pipeline local: a processor called the AWS service "sns"/);
    const rest = await fetch(`${server.endpoint}/bucket/key`, { headers: { authorization: signed("s3") } });
    assert.equal(rest.status, 400);
    assert.match(await rest.text(), /<Error><Type>Sender<\/Type><Code>LocalServiceNotEmulated<\/Code><Message>orders-pipeline local: a processor called the AWS service "s3"/);
  });
});

describe("a local processor's environment points every SDK client somewhere local", () => {
  it("DynamoDB, DynamoDB Streams and SQS at the emulators, everything else at the refusal, dummy credentials", async () => {
    const { localEnvironment, planFromDeclared } = await import("../local/plan");
    const { evaluateProgram } = await import("../local/evaluateProgram");
    const plan = planFromDeclared(await evaluateProgram("dev"));
    const env = localEnvironment(plan.pipes[0].processor, "http://127.0.0.1:2/q", {
      dynamodbEndpoint: "http://127.0.0.1:3",
      sqsEndpoint: "http://127.0.0.1:4",
      unemulatedEndpoint: "http://127.0.0.1:5",
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    assert.deepEqual(
      [env.AWS_ENDPOINT_URL_DYNAMODB, env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS, env.AWS_ENDPOINT_URL_SQS, env.AWS_ENDPOINT_URL, env.AWS_ACCESS_KEY_ID, env.ORDERS_LOCAL],
      ["http://127.0.0.1:3", "http://127.0.0.1:3", "http://127.0.0.1:4", "http://127.0.0.1:5", "local", "true"],
    );
    assert.equal(env.ORDERS_IDEMPOTENCY_TABLE, "OrderEffects", "the declared environment is kept");
    assert.deepEqual(plan.tables.map((t) => t.name).sort(), ["OrderEffects", "Orders"], "every declared table");
    assert.equal(plan.tables.find((t) => t.name === "OrderEffects")?.ttlAttribute, "expiration");
  });
});
