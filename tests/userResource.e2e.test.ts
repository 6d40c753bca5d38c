import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectCopy } from "./support/projectCopy";
import { sh } from "./support/spawn";

// A user's change that is not a route or a step: a resource of another AWS service in index.ts
// (one more line in infra/aws.ts, as the README says), with a field only AWS computes exported
// as a stack output. Evaluated as a preview, that output is unknown: the evaluation must still
// end and declare the resource (it used to wait on the output forever, and the process ended
// with nothing said, for `local` too).

describe("a user's change: an S3 bucket in index.ts, its computed name a stack output", function () {
  this.timeout(120000);
  let dir: string;
  before(() => {
    dir = projectCopy("orders-user-resource-", { linkModules: true });
    fs.appendFileSync(path.join(dir, "infra", "aws.ts"), 'export * as s3 from "@pulumi/aws/s3";\n');
    fs.appendFileSync(path.join(dir, "index.ts"), '\n// Receipts, kept by another team.\nexport const receiptsBucket = new aws.s3.Bucket("Receipts", {}).bucket;\n');
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the program evaluates under the mocks: the bucket is declared, the rest as before, the known outputs with their values", async () => {
    const r = await sh("node -r ./tests/support/register.js tests/support/printDeclared.ts dev", { cwd: dir, timeoutMs: 100000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim() !== "", `the evaluation ended without a result\n${r.stderr}`);
    const { resources, outputs } = JSON.parse(r.stdout) as { resources: { type: string; name: string }[]; outputs: Record<string, unknown> };
    assert.deepEqual(resources.filter((x) => x.type.startsWith("aws:s3/")).map((x) => `${x.type} ${x.name}`), ["aws:s3/bucket:Bucket Receipts"]);
    assert.ok(resources.some((x) => x.type === "aws:pipes/pipe:Pipe" && x.name === "NormalOrdersPipe"));
    assert.equal(typeof outputs.streamArn, "string", "the known outputs keep their values");
  });
});
