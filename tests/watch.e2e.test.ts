import { strict as assert } from "node:assert";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type AttributeValue, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { LOCAL_STATE_DIR } from "../local/localState";
import { CliProcess } from "./support/cliProcess";
import { runCli } from "./support/io";

// `local --watch` as a user runs it: a separate process, orders written from outside through
// the printed endpoint, the DLQ read with `dlq list --local`, Ctrl-C for the report.

describe("orders-pipeline local --watch", function () {
  this.timeout(120000);
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

  it("serves the endpoint, processes orders written from outside, lists the DLQ, and reports on Ctrl-C", async () => {
    child = spawn(process.execPath, [path.join(__dirname, "..", "cli", "bin.js"), "local", "--stack", "dev", "--watch"], {
      cwd: path.join(__dirname, ".."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => (output += d.toString()));
    child.stderr?.on("data", (d) => (output += d.toString()));
    const [, endpoint] = await waitFor(/AWS_ENDPOINT_URL_DYNAMODB=(http:\/\/127\.0\.0\.1:\d+)/);
    assert.ok(fs.existsSync(path.join(LOCAL_STATE_DIR, "dev.json")), "the running stack is findable by other commands");

    const dynamo = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    const put = (orderId: string, amount: AttributeValue) =>
      dynamo.send(
        new PutItemCommand({
          TableName: "Orders",
          Item: { orderId: { S: orderId }, orderStatus: { S: "pending" }, orderAmount: amount, customerEmail: { S: "w@example.com" } },
        }),
      );
    await put("o-w1", { N: "250" });
    await put("o-w2", { S: "not a number" });
    dynamo.destroy();
    await waitFor(/✓ normal: processed o-w1 \(pending\)/);
    await waitFor(/rejected .*orderAmount is a string/);

    // Two listings at once, from two terminals: each sees every message (a listing never
    // hides one from another reader).
    const twice = [new CliProcess(["dlq", "list", "--stack", "dev", "--local"]), new CliProcess(["dlq", "list", "--stack", "dev", "--local"])];
    for (const p of twice) {
      assert.equal((await p.exit()).code, 0, p.output);
      assert.match(p.stdout, /NormalOrdersProcessor DLQ \(.*\): 1 message\(s\)\n  quarantine /);
    }
    const list = await runCli(["dlq", "list", "--stack", "dev", "--local"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /NormalOrdersProcessor DLQ \(.*\): 1 message\(s\)\n  quarantine +\S+ +record \S+: NewImage\.orderAmount is a string/);
    assert.match(list.stdout, /PremiumOrdersProcessor DLQ \(.*\): 0 message\(s\)/);

    const id = /quarantine +(\S+)/.exec(list.stdout)?.[1] as string;
    const show = await runCli(["dlq", "show", "--stack", "dev", "--local", "--message", id]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /"kind": "orders.quarantined-record"/);
    assert.match(show.stdout, /"S": "not a number"/);

    const redrive = await runCli(["dlq", "redrive", "--stack", "dev", "--local", "--route", "normal"]);
    assert.equal(redrive.code, 1, "a message that cannot be redriven makes the exit code 1");
    assert.match(redrive.stdout, /kept +quarantine \S+: still malformed: NewImage\.orderAmount is a string .*\(fix the item, then redrive\)/);

    // The AWS path of the same command: stack outputs from a file, the SDK's default chain
    // (pointed at the local services through the standard AWS_ENDPOINT_URL_* variables).
    const queueUrl = (processor: string) => new RegExp(`${processor} DLQ \\((\\S+)\\)`).exec(list.stdout)?.[1];
    const outputs = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-out-")), "outputs.json");
    fs.writeFileSync(
      outputs,
      JSON.stringify({
        tableName: "Orders",
        normal: { dlqUrl: queueUrl("NormalOrdersProcessor"), processorName: "NormalOrdersProcessor", pipeName: "NormalOrdersPipe" },
        premium: { dlqUrl: queueUrl("PremiumOrdersProcessor"), processorName: "PremiumOrdersProcessor", pipeName: "PremiumOrdersPipe" },
      }),
    );
    const state = JSON.parse(fs.readFileSync(path.join(LOCAL_STATE_DIR, "dev.json"), "utf8"));
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SQS: state.sqsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: state.dynamodbEndpoint,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
    try {
      const viaAws = await runCli(["dlq", "list", "--stack", "dev", "--outputs", outputs, "--route", "normal"]);
      assert.equal(viaAws.code, 0, viaAws.stderr);
      assert.match(viaAws.stdout, /NormalOrdersProcessor DLQ \(.*\): 1 message\(s\)\n  quarantine +\S+ +record \S+: NewImage\.orderAmount is a string/);
      assert.ok(!/PremiumOrdersProcessor/.test(viaAws.stdout), "--route normal lists only that route");
    } finally {
      process.env = saved;
    }

    const exited = new Promise<string | number | null>((resolve) => child?.once("exit", (code, signal) => resolve(signal ?? code)));
    child.kill("SIGINT");
    assert.equal(await exited, "SIGINT", "after its report, --watch ends by the Ctrl-C it received (a shell shows 130)");
    assert.match(output, /accounted +2 read = 0 filtered \+ 0 skipped \+ 1 processed \+ 1 rejected \+ 0 dead-lettered +✓/);
    assert.ok(!fs.existsSync(path.join(LOCAL_STATE_DIR, "dev.json")), "the state file is removed on exit");
  });

  it("dlq --local says how to start a local stack when none is running", async () => {
    const r = await runCli(["dlq", "list", "--stack", "prod", "--local"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no local stack prod is running: start one with `npm run --silent cli -- local --stack prod --watch`/);
  });
});
