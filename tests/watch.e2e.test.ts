import { strict as assert } from "node:assert";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { LOCAL_STATE_DIR } from "../local/localState";
import { CliProcess } from "./support/cliProcess";
import { runCli } from "./support/io";
import { checkReportShape } from "./support/reportShape";
import { sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// `local --watch` as a user runs it: a separate process, orders written from outside through
// the printed endpoint, the DLQ read with `dlq list --local`, Ctrl-C for the report.

// The seed's Testing section ("PutItem → to simulate a new order, UpdateItem → to simulate
// order status changes"), as a user does it against the printed block with the real SDK.
const SEED_TESTING = `
const { DynamoDBClient, PutItemCommand, UpdateItemCommand, DeleteItemCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});
const put = (orderId, amount, email, status = "pending") =>
  db.send(new PutItemCommand({ TableName: "Orders", Item: { orderId: { S: orderId }, orderStatus: { S: status }, orderAmount: amount, customerEmail: { S: email } } }));
const setStatus = (orderId, status) =>
  db.send(new UpdateItemCommand({ TableName: "Orders", Key: { orderId: { S: orderId } }, UpdateExpression: "SET orderStatus = :s", ExpressionAttributeValues: { ":s": { S: status } } }));
(async () => {
  await put("o-n1", { N: "250" }, "ann@example.com");        // a normal order
  await put("o-t1", { N: "500" }, "qa@test.com");            // a test customer
  await put("o-s1", { N: "50" }, "bob@example.com");         // too small for normal
  await put("o-p1", { N: "2500" }, "vip@example.com");       // premium, once shipped
  await setStatus("o-p1", "shipped");
  await put("o-c1", { N: "1200" }, "carol@example.com");
  await setStatus("o-c1", "cancelled");                      // no route handles cancelled
  await db.send(new DeleteItemCommand({ TableName: "Orders", Key: { orderId: { S: "o-n1" } } }));
  await put("o-m1", { S: "not a number" }, "dan@example.com"); // malformed
})().catch((e) => { process.stderr.write(e.name + ": " + e.message); process.exit(1); });
`;

const FIX_O_M1 = `
const { DynamoDBClient, UpdateItemCommand } = require("@aws-sdk/client-dynamodb");
new DynamoDBClient({})
  .send(new UpdateItemCommand({ TableName: "Orders", Key: { orderId: { S: "o-m1" } }, UpdateExpression: "SET orderAmount = :a", ExpressionAttributeValues: { ":a": { N: "300" } } }))
  .catch((e) => { process.stderr.write(e.name + ": " + e.message); process.exit(1); });
`;

/** Runs a script of the real SDK with `env` as its whole environment. */
function runSdk(env: Record<string, string>, script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["-e", script], { cwd: path.join(__dirname, ".."), env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("orders-pipeline local --watch", function () {
  this.timeout(180000);
  let child: ChildProcess | undefined;
  let output = "";

  const waitFor = async (re: RegExp, ms = 60000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = output.match(re);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output so far:\n${output}`);
      if (child?.exitCode !== null) throw new Error(`the command exited (${child?.exitCode}):\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  after(() => child?.kill("SIGKILL"));

  it("the seed's Testing section through the printed block: a line for every order written, on each route; the DLQ by orderId and route; a redrive shows in the watch; the report names the orders", async () => {
    const report = path.join(tempDir("orders-watch-"), "report.json");
    child = spawn(process.execPath, [path.join(__dirname, "..", "cli", "bin.js"), "local", "--stack", "dev", "--watch", "--report-json", report], {
      cwd: path.join(__dirname, ".."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => (output += d.toString()));
    child.stderr?.on("data", (d) => (output += d.toString()));
    const [, block] = await waitFor(/\n {4}export (AWS_ENDPOINT_URL_DYNAMODB=.*)\n/);
    await waitFor(/dead letters: /);
    assert.ok(fs.existsSync(path.join(LOCAL_STATE_DIR, "dev.json")), "the running stack is findable by other commands");
    const env = { PATH: process.env.PATH as string, ...Object.fromEntries(block.split(" ").map((kv) => kv.split("=", 2) as [string, string])) };
    const from = output.length;

    // The seed's Testing section: PutItem to simulate new orders, UpdateItem for status changes,
    // (and a delete); written by the real SDK configured by nothing but the printed block.
    const sdk = await runSdk(env, SEED_TESTING);
    assert.equal(sdk.code, 0, sdk.stderr);
    const expected = [
      /✓ normal: processed o-n1 \(pending\)/,
      /- premium: o-n1 \(pending\) filtered by the pipe/,
      /· normal: skipped o-t1 \(pending\): customer domain test\.com is a test domain/,
      /- premium: o-t1 \(pending\) filtered by the pipe/,
      /· normal: skipped o-s1 \(pending\): orderAmount 50 is not above 100/,
      /- premium: o-s1 \(pending\) filtered by the pipe/,
      /✓ normal: processed o-p1 \(pending\)/,
      /- premium: o-p1 \(pending\) filtered by the pipe/,
      /✓ normal: processed o-p1 \(shipped\)/,
      /✓ premium: processed o-p1 \(shipped\)/,
      /✓ normal: processed o-c1 \(pending\)/,
      /- premium: o-c1 \(pending\) filtered by the pipe/,
      /- normal: o-c1 \(cancelled\) filtered by the pipe/,
      /- premium: o-c1 \(cancelled\) filtered by the pipe/,
      /- normal: o-n1 \(removed\) filtered by the pipe/,
      /- premium: o-n1 \(removed\) filtered by the pipe/,
      /✗ normal: rejected o-m1, quarantined in the DLQ \(NewImage\.orderAmount is a string/,
      /- premium: o-m1 \(pending\) filtered by the pipe/,
    ];
    for (const re of expected) await waitFor(re);
    // One line per record per route, nothing more: 9 records, 2 routes.
    const lines = output.slice(from).split("\n").filter((l) => /^ {2}[✓·✗☠=-] (normal|premium): /.test(l));
    assert.equal(lines.length, 18, lines.join("\n"));

    // Two listings at once, from two terminals: each sees every message (a listing never
    // hides one from another reader), and names the order and its route.
    const twice = [new CliProcess(["dlq", "list", "--stack", "dev", "--local"]), new CliProcess(["dlq", "list", "--stack", "dev", "--local"])];
    for (const p of twice) {
      assert.equal((await p.exit()).code, 0, p.output);
      assert.match(p.stdout, /NormalOrdersProcessor DLQ \(.*\): 1 message\n  quarantine .*\n {6}normal: o-m1\n/);
    }
    const list = await sh("npm run --silent cli -- dlq list --stack dev --local");
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /NormalOrdersProcessor DLQ \(.*\): 1 message\n  quarantine +\S+ +record \S+: NewImage\.orderAmount is a string.*\n {6}normal: o-m1\n/);
    assert.match(list.stdout, /PremiumOrdersProcessor DLQ \(.*\): 0 messages/);

    const id = /quarantine +(\S+)/.exec(list.stdout)?.[1] as string;
    const show = await runCli(["dlq", "show", "--stack", "dev", "--local", "--message", id]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /"kind": "orders.quarantined-record"/);
    assert.match(show.stdout, /"S": "not a number"/);

    const stillBad = await runCli(["dlq", "redrive", "--stack", "dev", "--local", "--route", "normal"]);
    assert.equal(stillBad.code, 1, "a message that cannot be redriven makes the exit code 1");
    assert.match(stillBad.stdout, /kept +quarantine \S+: still malformed: NewImage\.orderAmount is a string .*\(fix the item, then redrive\)/);

    // The AWS path of the same command: stack outputs from a file, the SDK's default chain
    // (pointed at the local services through the standard AWS_ENDPOINT_URL_* variables).
    const queueUrl = (processor: string) => new RegExp(`${processor} DLQ \\((\\S+)\\)`).exec(list.stdout)?.[1];
    const outputs = path.join(path.dirname(report), "outputs.json");
    fs.writeFileSync(
      outputs,
      JSON.stringify({
        tableName: "Orders",
        streamArn: (JSON.parse(fs.readFileSync(path.join(LOCAL_STATE_DIR, "dev.json"), "utf8")) as { streamArn: string }).streamArn,
        normal: { dlqUrl: queueUrl("NormalOrdersProcessor"), processorName: "NormalOrdersProcessor", pipeName: "NormalOrdersPipe" },
        premium: { dlqUrl: queueUrl("PremiumOrdersProcessor"), processorName: "PremiumOrdersProcessor", pipeName: "PremiumOrdersPipe" },
      }),
    );
    const viaAws = await sh(`npm run --silent cli -- dlq list --stack dev --outputs ${outputs} --route normal`, { env: { ...process.env, ...env } });
    assert.equal(viaAws.code, 0, viaAws.stderr);
    assert.match(viaAws.stdout, /NormalOrdersProcessor DLQ \(.*\): 1 message\n  quarantine +\S+ +record \S+: NewImage\.orderAmount is a string.*\n {6}normal: o-m1\n/);
    assert.ok(!/PremiumOrdersProcessor/.test(viaAws.stdout), "--route normal lists only that route");
    // Listing invokes nothing: the Lambda client is loaded only by a redrive.
    const listed = await sh(`node -r ./tests/support/loadedPackages.js cli/bin.js dlq list --stack dev --outputs ${outputs} --route normal`, { env: { ...process.env, ...env } });
    assert.equal(listed.code, 0, listed.stderr);
    const loaded = JSON.parse(/loaded packages: (.*)\n$/.exec(listed.stderr)?.[1] ?? "[]") as string[];
    assert.ok(loaded.includes("@aws-sdk/client-sqs") && !loaded.includes("@aws-sdk/client-lambda"), loaded.join(", "));

    // Fix the item, then redrive from another terminal: the watch says what the redrive did.
    const fixed = await runSdk(env, FIX_O_M1);
    assert.equal(fixed.code, 0, fixed.stderr);
    await waitFor(/✓ normal: processed o-m1 \(pending\)/);

    // The AWS path of redrive invokes the deployed processor through Lambda's Invoke API: here a
    // stand-in (AWS_ENDPOINT_URL_LAMBDA) that answers with a function error, so the message stays.
    const invoked: { url: string; body: string }[] = [];
    const lambda = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        invoked.push({ url: req.url ?? "", body });
        res.writeHead(200, { "Content-Type": "application/json", "X-Amz-Function-Error": "Unhandled" });
        res.end(JSON.stringify({ errorType: "Error", errorMessage: "the stand-in refuses" }));
      });
    });
    await new Promise<void>((resolve) => lambda.listen(0, "127.0.0.1", resolve));
    try {
      const lambdaUrl = `http://127.0.0.1:${(lambda.address() as { port: number }).port}`;
      const refused = await sh(`node cli/bin.js dlq redrive --stack dev --outputs ${outputs} --route normal`, { env: { ...process.env, ...env, AWS_ENDPOINT_URL_LAMBDA: lambdaUrl } });
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(refused.stdout, /kept +quarantine \S+: .*the stand-in refuses/);
      assert.equal(invoked.length, 1, JSON.stringify(invoked));
      assert.match(invoked[0].url, /^\/2015-03-31\/functions\/NormalOrdersProcessor\/invocations/);
      const [record] = JSON.parse(invoked[0].body) as { dynamodb: { NewImage: { orderId: { S: string }; orderAmount: { N?: string } } } }[];
      assert.equal(record.dynamodb.NewImage.orderId.S, "o-m1");
      assert.ok(record.dynamodb.NewImage.orderAmount.N, "the table's fixed version, not the quarantined one");
    } finally {
      lambda.close();
    }

    const redrive = await sh("node cli/bin.js dlq redrive --stack dev --local --route normal");
    assert.equal(redrive.code, 0, redrive.stdout + redrive.stderr);
    assert.match(redrive.stdout, /deleted +quarantine /);
    await waitFor(/↺ normal: redriven o-m1 \(pending\): (processed|already done, repeat suppressed)/, 10000);

    const exited = new Promise<string | number | null>((resolve) => child?.once("exit", (code, signal) => resolve(signal ?? code)));
    child.kill("SIGINT");
    assert.equal(await exited, "SIGINT", "after its report, --watch ends by the Ctrl-C it received (a shell shows 130)");
    // 10 records: the 9 and the fix (a redrive writes nothing to the table); the redrive is the DLQ tool's, not the pipe's.
    const latency = /normal route\n.*\n +latency +write → processed: p50 \d+ ms, p99 (\d+) ms over 5 records\n +orders +skipped o-t1, o-s1; rejected o-m1\n/.exec(output);
    assert.ok(latency, output);
    // Writes the command did not make count from their record's first read, not from
    // DynamoDB Local's ApproximateCreationDateTime (to the minute): seconds, not tens of them.
    assert.ok(Number(latency[1]) < 10000, `p99 ${latency[1]} ms`);
    assert.match(output, /accounted +10 read = 2 filtered \+ 2 skipped \+ 5 processed \+ 1 rejected \+ 0 dead-lettered +✓/);
    assert.match(output, /premium route\n.*\n +latency +write → processed: p50 \d+ ms, p99 \d+ ms over 1 record\n/);
    assert.ok(!fs.existsSync(path.join(LOCAL_STATE_DIR, "dev.json")), "the state file is removed on exit");
    assert.ok(!fs.existsSync(path.join(LOCAL_STATE_DIR, "dev.redrives.jsonl")), "and so is the redrive log");

    const json = checkReportShape(JSON.parse(fs.readFileSync(report, "utf8")));
    const normal = json.routes.find((r: { route: string }) => r.route === "normal");
    assert.deepEqual(normal.orders.rejected, { orderIds: ["o-m1"], more: 0 });
    assert.deepEqual([...normal.orders.processed.orderIds].sort(), ["o-c1", "o-m1", "o-n1", "o-p1", "o-p1"]);
  });

  it("dlq --local says how to start a local stack when none is running", async () => {
    const r = await runCli(["dlq", "list", "--stack", "prod", "--local"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no local stack prod is running: start one with `npm run --silent cli -- local --stack prod --watch`/);
  });
});
