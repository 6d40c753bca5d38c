import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

// .mocharc.js orders the files (longest first); mocha runs a file twice if two entries name it.
describe("npm test's file list (.mocharc.js)", () => {
  it("names every test file exactly once, the long ones first", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spec } = require("../.mocharc.js") as { spec: string[] };
    const files = fs.readdirSync(__dirname).filter((f) => f.endsWith(".test.ts")).map((f) => `tests/${f}`).sort();
    assert.deepEqual([...spec].sort(), files);
    assert.equal(new Set(spec).size, spec.length);
    assert.equal(spec[0], "tests/readme.test.ts");
    assert.ok(spec.indexOf("tests/localProcesses.e2e.test.ts") < spec.indexOf("tests/order.test.ts"));
    assert.ok(fs.existsSync(path.join(__dirname, "..", ".mocharc.js")));
  });
});
