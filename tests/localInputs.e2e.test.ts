import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseFaults } from "../handlers/faults";
import { checkReportPath, type ReportJson, writeReportJson } from "../local/reportJson";
import { parseScenario } from "../local/scenario";
import { sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// Issue 18, hostile inputs to `local`, each through the command as the README spells it.

const order = (orderId: string) => ({ put: { orderId, orderStatus: "pending", orderAmount: 250, customerEmail: `${orderId.replace(/\W/g, "x")}@example.com` } });

describe("local: hostile inputs (process level)", function () {
  this.timeout(180000);
  let dir: string;
  before(() => {
    dir = tempDir("orders-inputs-");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a fault declared for order __proto__ is kept (not dropped by a plain-object lookup); --report-json LINK writes where the link points, the link stays a link", async () => {
    for (const ext of ["json", "yaml"]) {
      const text =
        ext === "json"
          ? JSON.stringify({ faults: { __proto__: 1, "o-1": 1 }, steps: [order("__proto__"), order("o-1")] }).replace('"faults":{', '"faults":{"__proto__":1,')
          : "faults: {__proto__: 1, o-1: 1}\nsteps:\n  - put: {orderId: o-1, orderStatus: pending, orderAmount: 250, customerEmail: a@example.com}\n";
      const file = path.join(dir, `proto.${ext}`);
      fs.writeFileSync(file, text);
      const scenario = parseScenario(ext === "json" ? JSON.parse(text) : (await import("yaml")).parse(text), file);
      assert.deepEqual(Object.keys(scenario.faults).sort(), ["__proto__", "o-1"], ext);
      assert.equal(JSON.stringify(scenario.faults), '{"__proto__":1,"o-1":1}', ext);
    }
    // The processor's side reads the faults into a Map.
    assert.deepEqual([...parseFaults('{"__proto__": 1}', "ORDERS_INJECT_FAULTS")], [["__proto__", 1]]);
    // One run for both hostile inputs (each run starts a JVM): the story's report goes
    // through a symbolic link, which must be written through.
    const targets = fs.mkdtempSync(path.join(dir, "targets-"));
    const real = path.join(targets, "report.json");
    fs.writeFileSync(real, "the previous report\n");
    const link = path.join(dir, "latest.json");
    fs.symlinkSync(real, link);
    const story = path.join(dir, "proto-story.json");
    // Written by hand: JSON.stringify of an object literal would drop "__proto__" itself.
    fs.writeFileSync(
      story,
      `{"name": "proto", "faults": {"__proto__": 1}, "steps": [${JSON.stringify(order("__proto__"))}],
        "expect": {"NormalOrdersPipe": {"processed": 1, "retried": 1}}}`,
    );
    const r = await sh(`node cli/bin.js local --stack dev --scenario ${story} --quiet --report-json ${link}`, { timeoutMs: 150000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /the story ran as expected/);

    // --report-json LINK writes where the link points; the link stays a link.
    assert.ok(fs.lstatSync(link).isSymbolicLink(), "the link is still a link");
    assert.equal(fs.readlinkSync(link), real);
    const written = JSON.parse(fs.readFileSync(real, "utf8")) as ReportJson;
    assert.equal(written.scenario, "proto");
    assert.equal(written.pipes.find((p) => p.pipe === "NormalOrdersPipe")?.counts.retried, 1);
    assert.deepEqual(fs.readdirSync(targets), ["report.json"], "no temporary file left beside the target");
  });

  it("--report-json: a dangling link creates its target, a chain of links is followed, a link to a directory is refused", () => {
    const report: ReportJson = { version: 2, stack: "dev", scenario: null, startedAt: new Date(0).toISOString(), durationMs: 0, pipes: [], routes: [] };
    const dangling = path.join(dir, "dangling.json");
    fs.symlinkSync("made-later.json", dangling); // relative to the link's directory
    checkReportPath(dangling);
    writeReportJson(dangling, report);
    assert.ok(fs.lstatSync(dangling).isSymbolicLink());
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "made-later.json"), "utf8")).stack, "dev");

    const chain = path.join(dir, "chain.json");
    fs.symlinkSync(dangling, chain);
    writeReportJson(chain, { ...report, stack: "prod" });
    assert.ok(fs.lstatSync(chain).isSymbolicLink() && fs.lstatSync(dangling).isSymbolicLink());
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "made-later.json"), "utf8")).stack, "prod");

    const toDir = path.join(dir, "to-dir.json");
    fs.symlinkSync(os.tmpdir(), toDir);
    assert.throws(() => checkReportPath(toDir), (err: Error) => err.message === `--report-json ${toDir} (a link to ${os.tmpdir()}): is a directory; give a file name`);
    const loop = path.join(dir, "loop.json");
    fs.symlinkSync(loop, loop);
    assert.throws(() => checkReportPath(loop), /too many levels of symbolic links/);
  });
});
