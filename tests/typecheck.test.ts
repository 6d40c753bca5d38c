import { strict as assert } from "node:assert";
import { sh } from "./support/spawn";

// The strict type-check of the whole project (sources, tests, benches), as `npm run typecheck`
// runs it. A test, not a step before the tests: it runs beside the other files in mocha's
// workers instead of holding every test back for its ~11 s, and a type error is reported with
// every other failure of the run.
describe("types", function () {
  this.timeout(180000);

  it("the project type-checks under the strict settings of tsconfig.json (npm run typecheck)", async () => {
    const r = await sh("npm run --silent typecheck", { timeoutMs: 170000 });
    assert.equal(r.code, 0, `tsc found type errors:\n${r.stdout}${r.stderr}`);
  });
});
