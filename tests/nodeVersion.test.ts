import { strict as assert } from "node:assert";
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
