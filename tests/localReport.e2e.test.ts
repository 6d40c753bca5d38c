import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { cliProcesses, killJava, waitForNoJava } from "./support/cliProcess";
import { checkReportShape } from "./support/reportShape";
import { tempDir } from "./support/tempDir";

// Scenario errors and the JSON report, as a user meets them (node cli/bin.js local ...): what
// can be checked is refused before anything starts; what only DynamoDB can refuse names the
// file and the step, and the report of what ran is still printed and written.

describe("local scenarios that DynamoDB refuses, and --report-json (process level)", function () {
  this.timeout(120000);
  let dir: string;
  const run = cliProcesses();
  beforeEach(() => (dir = tempDir("orders-report-")));

  it("a value DynamoDB would refuse (.nan in YAML) is refused before anything starts, naming file, step and attribute", async () => {
    const story = path.join(dir, "story.yaml");
    fs.writeFileSync(
      story,
      ["name: bad numbers", "steps:", "  - put: { orderId: o-1, orderStatus: pending, orderAmount: 250, customerEmail: a@example.com }", "  - put: { orderId: o-2, orderStatus: pending, orderAmount: .nan, customerEmail: b@example.com }", ""].join("\n"),
    );
    const p = run(["local", "--stack", "dev", "--scenario", story]);
    const { code } = await p.exit();
    assert.equal(code, 2);
    assert.equal(p.stderr, `orders-pipeline: ${story}: steps[1] (put o-2): orderAmount is .nan (not a number); DynamoDB stores only finite numbers\n`);
    assert.doesNotMatch(p.stdout, /starting DynamoDB Local/);
  });

  it("a --report-json path that cannot be written is refused before anything starts", async () => {
    const p = run(["local", "--stack", "dev", "--report-json", path.join(dir, "missing", "report.json")]);
    assert.equal((await p.exit()).code, 2);
    assert.match(p.stderr, /--report-json .*report\.json: the directory .*missing does not exist/);
    assert.doesNotMatch(p.stdout, /starting DynamoDB Local/);
  });

  it("a write only DynamoDB can refuse stops the story naming file and step; the report of what ran is printed and written, exit 2", async () => {
    const story = path.join(dir, "too-big.json");
    const order = (orderId: string) => ({ orderId, orderStatus: "pending", orderAmount: 250, customerEmail: `${orderId}@example.com` });
    fs.writeFileSync(
      story,
      JSON.stringify({
        name: "an item that outgrows 400 KB",
        steps: [
          { put: { ...order("o-big"), note: "x".repeat(300 * 1024) } },
          { put: order("o-2") },
          // Each value alone is fine; together the stored item would pass 400 KB.
          { update: { orderId: "o-big", set: { more: "y".repeat(200 * 1024) } } },
        ],
      }),
    );
    const reportFile = path.join(dir, "report.json");
    const p = run(["local", "--stack", "dev", "--scenario", story, "--report-json", reportFile, "--quiet"]);
    const [, port] = await p.waitFor(/at http:\/\/127\.0\.0\.1:(\d+), DLQs at/);
    try {
      const { code } = await p.exit(90000);
      assert.equal(code, 2, p.output);
      assert.equal(p.stderr, `orders-pipeline: ${story}: steps[2] (update o-big): DynamoDB refused the write: Item size to update has exceeded the maximum allowed size\n`);
      assert.match(p.stdout, /the scenario stopped at steps\[2\] \(DynamoDB refused the write\); the report shows what ran before it/);
      assert.match(p.stdout, /NormalOrdersPipe → NormalOrdersProcessor\n(.*\n){2}  normal route\n(.*\n){2} +accounted +2 read = 0 filtered \+ 0 skipped \+ 2 processed \+ 0 rejected \+ 0 dead-lettered +✓/);

      const json = checkReportShape(JSON.parse(fs.readFileSync(reportFile, "utf8")));
      assert.equal(json.scenario, "an item that outgrows 400 KB");
      assert.equal(json.stack, "dev");
      const normal = json.pipes.find((x: { pipe: string }) => x.pipe === "NormalOrdersPipe");
      assert.deepEqual(
        { routes: normal.routes, processor: normal.processor, batchSize: normal.batchSize, window: normal.batchingWindowSeconds, memoryMb: normal.memoryMb, architecture: normal.architecture },
        { routes: ["normal"], processor: "NormalOrdersProcessor", batchSize: 10, window: 1, memoryMb: 256, architecture: "arm64" },
      );
      assert.deepEqual(normal.counts, { read: 2, filtered: 0, delivered: 2, retried: 0, deadLettered: 0 });
      const route = json.routes.find((x: { route: string }) => x.route === "normal");
      assert.deepEqual(route.counts, { read: 2, filtered: 0, deadLettered: 0, skipped: 0, processed: 2, rejected: 0 });
      assert.equal(route.latencyMs.count, 2);
      assert.equal(normal.invocations.total, normal.batchSizes.count);
      assert.equal(normal.invocations.total, normal.handlerDurationMs.count);
      assert.ok(normal.logBytes > 0);
    } finally {
      killJava(Number(port));
    }
    await waitForNoJava(Number(port));
  });
});
