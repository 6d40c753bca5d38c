import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluateProgram } from "../local/evaluateProgram";
import { declaredSnapshot } from "./support/declaredSnapshot";

// The seed's two routes deploy as they did before routes became data: the same resources,
// names and settings in dev and prod, compared with what the program declared then
// (tests/fixtures/seed-stack/, recorded from commit cafefc1 under the same mocks). Left aside:
// the Lambda code (a bundle changes with any handler source) and the tag naming what the
// bundle was built from (then a handler file per route, now the routes' business steps).

const BUNDLE_TAG = "orders:handler";

function withoutBundleTag(resources: ReturnType<typeof declaredSnapshot>): unknown[] {
  return resources.map((r) => {
    const state = r.state as Record<string, any>;
    if (r.type !== "aws:lambda/function:Function") return r;
    const tags = { ...state.tags };
    assert.ok(typeof tags[BUNDLE_TAG] === "string", `${r.name} names its bundle's source in ${BUNDLE_TAG}`);
    delete tags[BUNDLE_TAG];
    return { ...r, state: { ...state, tags } };
  });
}

describe("the seed's stacks deploy as before routes were data", function () {
  this.timeout(60000);
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: every resource, name and setting as recorded`, async () => {
      const before = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "seed-stack", `${stack}.json`), "utf8"));
      const now = declaredSnapshot(await evaluateProgram(stack));
      assert.equal(now.length, before.length, "the same number of resources");
      assert.deepEqual(withoutBundleTag(now), withoutBundleTag(before));
    });
  }

  it("the stack outputs keep their names: one per seed route, plus the table, topic and dashboard", async () => {
    const { outputs } = await evaluateProgram("dev");
    assert.deepEqual(Object.keys(outputs).sort(), ["alarmTopicArn", "dashboardName", "normal", "premium", "stack", "streamArn", "tableArn", "tableName"]);
    assert.deepEqual(Object.keys(outputs.normal).sort(), ["dlqArn", "dlqName", "dlqUrl", "pipeArn", "pipeName", "processorArn", "processorName"]);
    assert.equal(outputs.normal.pipeName, "NormalOrdersPipe-dev");
  });
});
