import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseFaults } from "../handlers/faults";
import { parseScenario } from "../local/scenario";
import { sh } from "./support/spawn";

// Issue 18, hostile inputs to `local`, each through the command as the README spells it.

const order = (orderId: string) => ({ put: { orderId, orderStatus: "pending", orderAmount: 250, customerEmail: `${orderId.replace(/\W/g, "x")}@example.com` } });

describe("local: hostile inputs (process level)", function () {
  this.timeout(180000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-inputs-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a fault declared for order __proto__ is kept (read into a null-prototype object, not dropped by a plain-object lookup)", async () => {
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
    const story = path.join(dir, "proto-story.json");
    // Written by hand: JSON.stringify of an object literal would drop "__proto__" itself.
    fs.writeFileSync(
      story,
      `{"name": "proto", "faults": {"__proto__": 1}, "steps": [${JSON.stringify(order("__proto__"))}],
        "expect": {"NormalOrdersPipe": {"processed": 1, "retried": 1}}}`,
    );
    const r = await sh(`node cli/bin.js local --stack dev --scenario ${story} --quiet`, { timeoutMs: 150000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /the story ran as expected/);
  });
});
