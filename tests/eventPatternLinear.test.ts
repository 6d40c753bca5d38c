import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { seededRandom } from "../bench/records";
import { match } from "../routing/eventPattern";
import { wildcardMatcher } from "../routing/eventPattern/wildcard";
import { CliProcess } from "./support/cliProcess";
import { tempDir } from "./support/tempDir";

// Matching must stay near linear in the length of the value (issue 18: a wildcard that
// backtracked gave no answer in 12 s for 300 characters). The process-level test runs the
// command under a deadline far above what a linear matcher needs, and far below what a
// backtracking one takes on these inputs (hours); no timing is asserted beyond that.

/** The definition of `wildcard` written as a regular expression: right, but it backtracks. */
function reference(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") source += `\\${pattern[++i]}`;
    else if (c === "*") source += "[\\s\\S]*";
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "u");
}

describe("wildcard matching", () => {
  it("decides as the regular-expression definition on 20000 generated patterns and values", () => {
    const { rand, pick } = seededRandom(41);
    const PIECES = ["a", "b", "ab", "*", "\\*", "\\\\", "x"];
    const VALUE = ["a", "b", "*", "\\", "x"];
    let matched = 0;
    for (let n = 0; n < 20000; n++) {
      let pattern = "";
      for (let k = rand(7); k > 0; k--) {
        const piece = pick(PIECES);
        if (!(piece === "*" && pattern.endsWith("*") && !pattern.endsWith("\\*"))) pattern += piece;
      }
      const value = Array.from({ length: rand(9) }, () => pick(VALUE)).join("");
      const expected = reference(pattern).test(value);
      assert.equal(wildcardMatcher(pattern)(value), expected, `${JSON.stringify(pattern)} on ${JSON.stringify(value)}`);
      if (expected) matched++;
    }
    assert.ok(matched > 1000 && matched < 19000, `${matched} of 20000 matched`);
  });

  it("the prefix and the suffix do not overlap", () => {
    assert.equal(match({ f: [{ wildcard: "ab*ba" }] }, { f: "aba" }), false);
    assert.equal(match({ f: [{ wildcard: "ab*ba" }] }, { f: "abba" }), true);
    assert.equal(match({ f: [{ wildcard: "a*b*b" }] }, { f: "ab" }), false);
    assert.equal(match({ f: [{ wildcard: "a*b*b" }] }, { f: "abb" }), true);
  });

  describe("stays linear in the value's length (pattern test, one process each)", () => {
    let dir: string;
    before(() => (dir = tempDir("orders-wildcard-")));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const [wildcard, length] of [
      ["*a*a*a*a*b", 300],
      ["*a*b", 400_000],
    ] as const) {
      it(`${wildcard} against ${length.toLocaleString("en")} "a"s: no match, answered`, async function () {
        this.timeout(60000);
        const pattern = path.join(dir, "pattern.json");
        const event = path.join(dir, "event.json");
        fs.writeFileSync(pattern, JSON.stringify({ f: [{ wildcard }] }));
        fs.writeFileSync(event, JSON.stringify({ f: "a".repeat(length) }));
        const cli = new CliProcess(["pattern", "test", "--pattern", pattern, "--event", event]);
        try {
          const { code } = await cli.exit(20000);
          assert.equal(code, 1, cli.output);
          assert.equal(cli.stdout, "no match\n");
        } finally {
          await cli.kill();
        }
      });
    }
  });
});
