import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// Issue 18: with stdout on a full disk, a matching `pattern test` exited 1 ("no match") with a
// stack trace. A failed write is an error (exit 2, one line), never an answer; a reader that
// stops early still ends the command quietly.

const FULL = "/dev/full"; // Linux: every write fails with ENOSPC
const ONE = "pattern test --pattern examples/premium-filter.json --event examples/shipped-order.json --dialect pipes";
const ERROR = "orders-pipeline: cannot write the answer to stdout: no space left on device (ENOSPC)\n";

describe("pattern test with an output that cannot be written (as a process)", function () {
  this.timeout(60000);
  before(function () {
    if (!fs.existsSync(FULL)) this.skip();
  });

  it("a match written to a full disk: exit 2 and one line on stderr, no stack trace", async () => {
    const r = await sh(`node cli/bin.js ${ONE} > ${FULL}`);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, ERROR);
  });

  it("no match, and --jsonl answers, written to a full disk: exit 2, one line", async () => {
    const noMatch = await sh(`npm run --silent cli -- pattern test --pattern examples/seed-amount-filter.json --event examples/shipped-order.json > ${FULL}`);
    assert.equal(noMatch.code, 2);
    assert.equal(noMatch.stderr, ERROR);
    const jsonl = await sh(`node cli/bin.js pattern test --jsonl < examples/pattern-tests.jsonl > ${FULL}`);
    assert.equal(jsonl.code, 2);
    assert.equal(jsonl.stderr, ERROR);
  });

  it("a reader that stops early still ends it quietly (exit 0, nothing on stderr)", async () => {
    const line = fs.readFileSync("examples/pattern-tests.jsonl", "utf8").split("\n")[0];
    const many = path.join(tempDir("orders-pattern-"), "many.jsonl");
    fs.writeFileSync(many, `${line}\n`.repeat(50000));
    const r = await sh(`(node cli/bin.js pattern test --jsonl < ${many}; echo "exit $?" >&2) | head -1`);
    assert.equal(r.stdout.split("\n").length, 2, r.stdout.slice(0, 200));
    assert.equal(r.stderr, "exit 0\n");
  });
});
