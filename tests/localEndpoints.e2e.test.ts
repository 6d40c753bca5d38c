import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { PortInUse } from "../local/dynamoLocal";
import { LOCAL_STATE_DIR } from "../local/localState";
import { startSqsLocal } from "../local/sqsLocal";
import { cliProcesses, descendants, javaOnPort, killJava, listeningSockets, waitForNoJava } from "./support/cliProcess";
import { PROJECT, sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// Issues 17 and 18: the local stack's endpoints, as a user and a hostile network see them.
// `local --watch` is spawned as the README spells it; what it prints is used as printed: the
// `export ...` block is the whole environment of a child process running the real AWS SDK.

const STATE = path.join(LOCAL_STATE_DIR, "dev.json");
const BLOCK = /\n {4}export (AWS_ENDPOINT_URL_DYNAMODB=\S+ AWS_ENDPOINT_URL_DYNAMODB_STREAMS=\S+ AWS_ENDPOINT_URL_SQS=\S+ AWS_ACCESS_KEY_ID=\S+ AWS_SECRET_ACCESS_KEY=\S+ AWS_REGION=\S+)\n/;

/** Whether this machine lets an unprivileged process isolate DynamoDB Local (local/dynamoLocal.ts). */
const ISOLATION =
  process.platform === "linux" &&
  spawnSync("unshare", ["--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child", "--", "sh", "-c", 'PATH="$PATH:/usr/sbin:/sbin" ip link set lo up'], { stdio: "ignore" }).status === 0;

/** An IPv4 address of this machine other than loopback, if it has one. */
const OTHER_ADDRESS = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<net.Server>((resolve) => { const s = net.createServer(); s.listen(0, () => resolve(s)); })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** How a connection to host:port ends: "connected", or the error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve("timeout");
    });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

// The real SDK, configured by nothing but its environment (the printed block).
const SDK_SCRIPT = `
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const { DynamoDBStreamsClient, ListStreamsCommand } = require("@aws-sdk/client-dynamodb-streams");
const { SQSClient, ListQueuesCommand, GetQueueAttributesCommand, ReceiveMessageCommand } = require("@aws-sdk/client-sqs");
(async () => {
  await new DynamoDBClient({}).send(new PutItemCommand({ TableName: "Orders", Item: { orderId: { S: "o-sdk" }, orderStatus: { S: "pending" }, orderAmount: { N: "250" }, customerEmail: { S: "ann@example.com" } } }));
  const { Streams } = await new DynamoDBStreamsClient({}).send(new ListStreamsCommand({ TableName: "Orders" }));
  const sqs = new SQSClient({});
  const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
  const retention = {};
  for (const QueueUrl of QueueUrls) {
    retention[QueueUrl] = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["MessageRetentionPeriod"] }))).Attributes.MessageRetentionPeriod;
    await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
  }
  process.stdout.write(JSON.stringify({ streams: Streams.length, retention }));
})().catch((e) => { process.stderr.write(e.name + ": " + e.message); process.exit(1); });
`;

function runWithEnv(env: Record<string, string>, script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", script], { cwd: PROJECT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("local: endpoints usable as printed, reachable only from this machine (process level)", function () {
  this.timeout(240000);
  const run = cliProcesses();
  const ports: number[] = [];
  const blockers: net.Server[] = [];
  let dir: string;
  before(() => {
    dir = tempDir("orders-endpoints-");
  });
  afterEach(async () => {
    for (const port of ports.splice(0)) killJava(port);
    for (const b of blockers.splice(0)) await new Promise((r) => b.close(r));
    fs.rmSync(STATE, { force: true });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("--watch with fixed ports: listens on 127.0.0.1 only; the printed block is all the real AWS SDK needs; queue URLs resolve as printed; the DLQs keep messages 14 days, as declared", async () => {
    const [dynamoPort, sqsPort] = await freePorts(2);
    ports.push(dynamoPort);
    const watch = run(["local", "--stack", "dev", "--watch", "--dynamodb-port", String(dynamoPort), "--sqs-port", String(sqsPort)]);
    const [, block] = await watch.waitFor(BLOCK);
    await watch.waitFor(/dead letters: /);
    const env = Object.fromEntries(block.split(" ").map((kv) => kv.split("=", 2) as [string, string]));
    assert.deepEqual(env, {
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${dynamoPort}`,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: `http://127.0.0.1:${dynamoPort}`,
      AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${sqsPort}`,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_REGION: "us-east-1",
    });

    // Reachable only from this machine: every socket the command and its processes listen on,
    // as this machine's network sees them, is on 127.0.0.1 (the JVM's own is in a network
    // namespace of its own, where nothing else can reach it).
    const sockets = listeningSockets([watch.pid, ...descendants(watch.pid)]);
    assert.ok(sockets.includes(`127.0.0.1:${dynamoPort}`) && sockets.includes(`127.0.0.1:${sqsPort}`), sockets.join(", "));
    if (ISOLATION) {
      assert.deepEqual(sockets.filter((s) => !s.startsWith("127.0.0.1:")), [], "nothing listens beyond 127.0.0.1");
      assert.doesNotMatch(watch.stderr, /warning/);
    } else {
      assert.deepEqual(sockets.filter((s) => !s.startsWith("127.0.0.1:") && !s.endsWith(`:${dynamoPort}`)), [], "only DynamoDB Local (not isolable here) listens beyond 127.0.0.1");
      assert.match(watch.stderr, new RegExp(`warning: DynamoDB Local listens on every network interface of this machine \\(port ${dynamoPort}\\)`));
    }
    if (OTHER_ADDRESS) {
      if (ISOLATION) assert.equal(await tryConnect(OTHER_ADDRESS, dynamoPort), "ECONNREFUSED", `DynamoDB Local from ${OTHER_ADDRESS}`);
      assert.equal(await tryConnect(OTHER_ADDRESS, sqsPort), "ECONNREFUSED", `the local SQS from ${OTHER_ADDRESS}`);
    }

    // The real AWS SDK, with the block as its whole environment: no endpoint, region or credentials in code.
    const sdk = await runWithEnv(env, SDK_SCRIPT);
    assert.equal(sdk.code, 0, sdk.stderr);
    const seen = JSON.parse(sdk.stdout) as { streams: number; retention: Record<string, string> };
    assert.equal(seen.streams, 1);
    await watch.waitFor(/✓ normal: processed o-sdk \(pending\)/);
    // Queue URLs as printed, and as the SDK finds them: path-style on 127.0.0.1, resolvable as they are.
    const printed = ["NormalOrdersPipe", "PremiumOrdersPipe"].map((pipe) => new RegExp(`DLQ of ${pipe}: (\\S+)`).exec(watch.stdout)?.[1]);
    assert.deepEqual(printed, [`http://127.0.0.1:${sqsPort}/000000000000/NormalOrdersProcessor-dlq`, `http://127.0.0.1:${sqsPort}/000000000000/PremiumOrdersProcessor-dlq`]);
    // 14 days, as infra/processorWithDlq.ts declares it (SQS's default would be 4).
    assert.deepEqual(seen.retention, Object.fromEntries(printed.map((u) => [u, "1209600"])));

    watch.signal("SIGINT");
    assert.equal((await watch.exit()).signal, "SIGINT", `after its report, --watch ends by the Ctrl-C it received\n${watch.output}`);
    await waitForNoJava(dynamoPort);
  });

  it("ports from the environment; a port taken on another address of this machine does not stop an isolated DynamoDB Local; a taken port is refused in one line, before anything starts", async function () {
    if (!OTHER_ADDRESS) this.skip();
    const [dynamoPort, sqsPort, taken] = await freePorts(3);
    ports.push(dynamoPort, taken);
    // Another program on this machine's other address: 127.0.0.1:taken is free, the wildcard is not.
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(taken, OTHER_ADDRESS, resolve));
    blockers.push(blocker);
    const story = path.join(dir, "one.json");
    fs.writeFileSync(story, JSON.stringify({ name: "one", steps: [{ put: { orderId: "o-1", orderStatus: "pending", orderAmount: 250, customerEmail: "a@example.com" } }], expect: { NormalOrdersPipe: { processed: 1 } } }));

    if (ISOLATION) {
      const r = await sh(`node cli/bin.js local --stack dev --scenario ${story} --quiet`, { env: { ...process.env, ORDERS_LOCAL_DYNAMODB_PORT: String(taken), ORDERS_LOCAL_SQS_PORT: String(sqsPort) }, timeoutMs: 150000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`table Orders at http://127\\.0\\.0\\.1:${taken}, DLQs at http://127\\.0\\.0\\.1:${sqsPort}\\n`));
    }
    // Not isolated, DynamoDB Local would listen on every address, this one's too: refused in one line (before: a 37-line Java stack trace).
    const exposed = await sh(`node cli/bin.js local --stack dev --scenario ${story} --quiet --dynamodb-port ${taken}`, { env: { ...process.env, ORDERS_LOCAL_ISOLATION: "none" }, timeoutMs: 150000 });
    assert.equal(exposed.code, 2, exposed.stdout + exposed.stderr);
    assert.equal(exposed.stderr, `orders-pipeline: --dynamodb-port ${taken}: port ${taken} is in use by another program; choose another port, or leave it out for a free one\n`);
    assert.deepEqual(javaOnPort(taken), []);

    // Taken on 127.0.0.1 itself: refused whatever the isolation, the option winning over the variable.
    const local = net.createServer();
    await new Promise<void>((resolve) => local.listen(dynamoPort, "127.0.0.1", resolve));
    blockers.push(local);
    const r2 = await sh(`node cli/bin.js local --stack dev --scenario ${story} --quiet --dynamodb-port ${dynamoPort}`, { env: { ...process.env, ORDERS_LOCAL_DYNAMODB_PORT: String(sqsPort) }, timeoutMs: 150000 });
    assert.equal(r2.code, 2, r2.stdout + r2.stderr);
    assert.equal(r2.stderr, `orders-pipeline: --dynamodb-port ${dynamoPort}: port ${dynamoPort} is in use by another program; choose another port, or leave it out for a free one\n`);
    // The local SQS is bound where it listens: the same refusal (in-process; the command maps it to --sqs-port as above).
    await assert.rejects(startSqsLocal({ port: dynamoPort }), (err: Error) => err instanceof PortInUse && err.port === dynamoPort);

    const bad = await sh(`node cli/bin.js local --stack dev --watch`, { env: { ...process.env, ORDERS_LOCAL_DYNAMODB_PORT: "80000" } });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'orders-pipeline: ORDERS_LOCAL_DYNAMODB_PORT is "80000"; expected a port number from 1 to 65535\n');
    assert.ok(!fs.existsSync(STATE), "refused before anything starts");
  });
});
