// mocha's settings for `npm test`: TypeScript through tests/support/register.js, three files
// at a time (measured here, 2 cores: 2 at a time was ~20 s slower; 4 at a time no faster, in
// alternated runs 179 and 177 s against 181 and 166 s).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

// The files that take longest (wall time, measured in a full run here: 5 to 60 s each, most
// of it waiting on processes, DynamoDB Local and timeouts) start first, longest first, and the
// quick ones fill the gaps; a long file started last kept two workers idle at the end of the
// run. A file renamed or added simply runs among the others.
const LONGEST_FIRST = [
  "readme",
  "cliProcess",
  "localProcesses.e2e",
  "fulfilmentExample.e2e",
  "local.e2e",
  "localLifecycle.e2e",
  "addRoute.e2e",
  "canary.e2e",
  "planCache",
  "dlqTools.e2e",
  "jvmArchive",
  "localEndpoints.e2e",
  "watch.e2e",
  "stackFile",
  "dlqLarge.e2e",
  "costRoutes",
  "bundleCache",
  "typecheck",
  "buildLock",
  "register",
  "vendored",
  "eventPatternMatching",
  "costCommand",
  "localReport.e2e",
  "localInputs.e2e",
].map((name) => `tests/${name}.test.ts`);

const all = fs
  .readdirSync(path.join(__dirname, "tests"))
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => `tests/${f}`)
  .sort();

module.exports = {
  require: ["tests/support/register.js", "tests/setup.ts"],
  extension: ["ts"],
  // Each file once: mocha runs a file twice if two entries name it.
  spec: [...LONGEST_FIRST.filter((f) => all.includes(f)), ...all.filter((f) => !LONGEST_FIRST.includes(f))],
  timeout: 60000,
  reporter: "spec",
  parallel: true,
  jobs: 3,
};
