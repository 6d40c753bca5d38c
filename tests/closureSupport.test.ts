import { strict as assert } from "node:assert";
import { PROJECT, sh } from "./support/spawn";

// local/closureSupport.ts: evaluating the program (as `local` does after an edit) no longer
// loads what Pulumi needs only to serialize a function into a Lambda's code, and a program
// that does serialize one still can. In a fresh process running the CLI's build, as the
// commands do (under the tests' ts-node, TypeScript is loaded anyway).

const SCRIPT = `
require("./cli/build").ensureBuilt();
const loaded = () => Object.keys(require.cache).filter((f) => /node_modules\\/typescript\\/lib\\/typescript\\.js$|node_modules\\/@npmcli\\/arborist\\/lib\\/arborist\\/index\\.js$/.test(f)).map((f) => f.replace(/.*node_modules\\//, "")).sort();
const { evaluateProgram } = require("./dist/local/evaluateProgram");
evaluateProgram("dev").then(async (declared) => {
  const afterEvaluation = loaded();
  const pulumi = require("@pulumi/pulumi");
  const serialized = await pulumi.runtime.serializeFunction(() => 6 * 7);
  const codePaths = await pulumi.runtime.computeCodePaths();
  console.log(JSON.stringify({ resources: declared.resources.length, afterEvaluation, serialized: serialized.text, codePaths: codePaths.size, afterUse: loaded() }));
});
`;

describe("Pulumi's closure serialization, loaded only when used", () => {
  it("the program evaluates without TypeScript's compiler or npm's Arborist; serializing a function loads them and works", async () => {
    const r = await sh(`node -e '${SCRIPT.replace(/'/g, "'\\''")}'`, { cwd: PROJECT, timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(out.resources > 20, `the whole program was declared: ${out.resources} resources`);
    assert.deepEqual(out.afterEvaluation, []);
    assert.match(out.serialized, /6 \* 7/);
    assert.ok(out.codePaths > 0, "computeCodePaths (Arborist) found the program's packages");
    assert.deepEqual(out.afterUse, ["@npmcli/arborist/lib/arborist/index.js", "typescript/lib/typescript.js"]);
  });
});
