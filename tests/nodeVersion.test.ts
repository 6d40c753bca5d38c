import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { tempDir } from "./support/tempDir";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { satisfies, unsupportedNode } = require("../cli/nodeVersion") as {
  satisfies(version: string, range: string): boolean;
  unsupportedNode(version: string, range: string): string | undefined;
};

// cli/nodeVersion.js: which Node versions package.json's engines range admits (the command's
// own check at start; tests/cliProcess.test.ts runs it in a process).

describe("cli/nodeVersion.js: the engines range, read as npm reads it", () => {
  const range = "^22.9.0 || ^24";
  const cases: [string, boolean][] = [
    ["22.9.0", true],
    ["22.11.3", true],
    ["22.8.9", false],
    ["24.0.0", true],
    ["24.11.1", true],
    ["24.0.0-rc.1", true],
    ["24.1.0-nightly20250101abc", true],
    ["23.5.0", false],
    ["25.0.0", false],
    ["20.19.0", false],
    ["18.20.4", false],
  ];
  for (const [version, ok] of cases) {
    it(`${version}: ${ok ? "runs" : "refused"}`, () => {
      assert.equal(satisfies(version, range), ok);
      assert.equal(unsupportedNode(version, range) === undefined, ok);
    });
  }

  it("says what to install, from the range; any range npm reads is read (semver)", () => {
    assert.equal(
      unsupportedNode("20.1.0", "^22 || ^24 || ^26"),
      'orders-pipeline needs Node ^22 || ^24 || ^26 (package.json "engines"); this is Node 20.1.0. Install Node 22, 24 or 26 (https://nodejs.org/), then run the command again.',
    );
    assert.equal(
      unsupportedNode("20.1.0", ">=22"),
      'orders-pipeline needs Node >=22 (package.json "engines"); this is Node 20.1.0. Install a Node in that range (https://nodejs.org/), then run the command again.',
    );
    assert.equal(unsupportedNode("26.0.0", ">=22"), undefined);
  });
});

describe("cli/nodeVersion.js: the verdict kept between starts", () => {
  // Each check in a process of its own, as each command start is: the verdict, and whether
  // semver was loaded to reach it.
  const check = (version: string, range: string, kept: string) =>
    JSON.parse(
      execFileSync(process.execPath, [
        "-e",
        `const problem = require(${JSON.stringify(path.join(__dirname, "..", "cli", "nodeVersion.js"))}).checkNode(${JSON.stringify(version)}, ${JSON.stringify(range)}, ${JSON.stringify(kept)});
         console.log(JSON.stringify({ ok: problem === undefined, semver: Object.keys(require.cache).some((m) => /[\\/]semver[\\/]/.test(m)) }));`,
      ], { encoding: "utf8" }),
    ) as { ok: boolean; semver: boolean };

  it("a Node and range that passed are not read with semver again; another Node or range is, and a refused one is never kept", () => {
    const kept = path.join(tempDir("orders-node-check-"), "cache", "orders-node-check");
    const range = "^22.9.0 || ^24";
    assert.deepEqual(check("22.11.0", range, kept), { ok: true, semver: true });
    assert.deepEqual(check("22.11.0", range, kept), { ok: true, semver: false });
    assert.deepEqual(check("20.19.0", range, kept), { ok: false, semver: true });
    assert.deepEqual(check("22.11.0", "^24", kept), { ok: false, semver: true });
    assert.deepEqual(check("22.11.0", range, kept), { ok: true, semver: false }, "the refused ones did not replace the kept pair");
    assert.deepEqual(check("24.1.0", range, kept), { ok: true, semver: true });
    assert.deepEqual(check("22.11.0", range, kept), { ok: true, semver: true }, "one pair is kept: the last that passed");
  });
});
