import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT, sh } from "./support/spawn";

// The strict type-check of the whole project (sources, tests, benches), as `npm run typecheck`
// runs it. A test, not a step before the tests: it runs beside the other files in mocha's
// workers instead of holding every test back for its ~9 s, and a type error is reported with
// every other failure of the run. Incremental: what tsc learnt is kept in
// node_modules/.cache/tsc, so a run after a small edit re-checks what the edit can change
// (~7 s of CPU here instead of ~15 s; a fresh clone pays the whole check once).
describe("types", function () {
  this.timeout(180000);

  it("the project type-checks under the strict settings of tsconfig.json (npm run typecheck), reading only the AWS services it uses", async () => {
    const r = await sh("npm run --silent typecheck -- --listFiles", { timeoutMs: 170000 });
    assert.equal(r.code, 0, `tsc found type errors:\n${r.stdout}${r.stderr}`);
    // Written by this run, or by an earlier one if nothing changed since.
    assert.ok(fs.existsSync(path.join(PROJECT, "node_modules", ".cache", "tsc", "project.tsbuildinfo")), "the incremental state is kept");
    // infra/aws.ts imports each service from its own module: one `from "@pulumi/aws"` anywhere
    // makes tsc (and a type-checking `pulumi preview`) read all ~2,700 of the package's files.
    const awsFiles = r.stdout.split("\n").filter((f) => f.includes("/node_modules/@pulumi/aws/"));
    assert.ok(!awsFiles.some((f) => f.endsWith("/node_modules/@pulumi/aws/index.d.ts")), "@pulumi/aws's index is read: import from infra/aws.ts instead");
    assert.ok(awsFiles.length > 0 && awsFiles.length < 1000, `${awsFiles.length} files of @pulumi/aws`);
  });
});
