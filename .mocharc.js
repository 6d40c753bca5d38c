// Mocha's settings for `npm test`. Two workers (this machine has 2 cores; 3 was slower). The
// files that take longest start first: the workers take files in this order, and a long file
// started last would keep one worker busy while the other has nothing left. The order changes
// nothing else; every file under tests/ named *.test.ts runs.
const fs = require("node:fs");
const path = require("node:path");

/** Longest first (measured one by one on 2 cores, 2026-11-30: 25 to 130 s each). */
const LONGEST = [
  "readme",
  "cliProcess",
  "fulfilmentExample.e2e",
  "local.e2e",
  "localProcesses.e2e",
  "canary.e2e",
  "planCache",
  "addRoute.e2e",
  "dlqTools.e2e",
  "localLifecycle.e2e",
  "localEndpoints.e2e",
  "stackFile",
  "watch.e2e",
];

const dir = path.join(__dirname, "tests");
const all = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".test.ts"))
  .sort()
  .map((f) => path.join("tests", f));
const first = LONGEST.map((name) => path.join("tests", `${name}.test.ts`)).filter((f) => all.includes(f));

module.exports = {
  require: ["ts-node/register/transpile-only", "tests/setup.ts"],
  extension: ["ts"],
  spec: [...first, ...all.filter((f) => !first.includes(f))],
  timeout: 60000,
  reporter: "spec",
  parallel: true,
  jobs: 2,
};
