import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE } from "../config/settings";
import { loadStackFileSettings, PROJECT_DIR, readStackConfig } from "../config/stackFile";
import { evaluateProgram } from "../local/evaluateProgram";
import { sh } from "./support/spawn";

// Stack files read the way Pulumi writes them. Each case is a Pulumi.<stack>.yaml written into
// the project for the test (and removed after), then read three ways that must agree: the
// file reader, the Pulumi program under mocks (what `pulumi preview` runs), and a CLI command.

const written: string[] = [];
let counter = 0;
function stackWith(text: string): string {
  const stack = `zz-test-${process.pid}-${++counter}`;
  const file = path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, text);
  written.push(file);
  return stack;
}

const DEV = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");

describe("stack files, read the way Pulumi writes them", () => {
  after(() => written.forEach((f) => fs.rmSync(f, { force: true })));
  it("the Pulumi project is named after the config namespace, so a bare `pulumi config set KEY VALUE` lands where the program reads", () => {
    const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { name: string };
    assert.equal(project.name, CONFIG_NAMESPACE);
    // What `pulumi config set maxRetryAttempts 2` writes: the project's namespace, a string value.
    const stack = stackWith(DEV.replace("orders:maxRetryAttempts: 5", `${project.name}:maxRetryAttempts: "2"`));
    assert.equal(loadStackFileSettings(stack).maxRetryAttempts, 2);
  });

  it("provider and engine namespaces stay allowed", () => {
    const stack = stackWith(`${DEV}  aws:skipCredentialsValidation: true\n  pulumi:disable-default-providers: ["kubernetes"]\n`);
    assert.equal(loadStackFileSettings(stack).batchSize, 10);
  });

  // [what, file text, message]: the same message from the reader, the program and the CLI.
  const refused: [string, string, RegExp][] = [
    ["a key in an unknown namespace, with a suggestion", `${DEV}  order:batchSize: 20\n`, /order:batchSize in Pulumi\.\S+\.yaml: the namespace "order" is not read by anything here; did you mean orders:batchSize\?/],
    ["a key in the package's name as namespace", `${DEV}  orders-pipeline:batchSize: 20\n`, /orders-pipeline:batchSize in Pulumi\.\S+\.yaml: .*did you mean orders:batchSize\?/],
    ["an out-of-range number, as written", DEV.replace("orders:maxRetryAttempts: 5", "orders:maxRetryAttempts: 1e400"), /orders:maxRetryAttempts is 1e400 in Pulumi\.\S+\.yaml; must be a whole number/],
  ];
  for (const [what, text, message] of refused) {
    it(`refuses ${what}: reader, program and CLI alike`, async () => {
      const stack = stackWith(text);
      assert.throws(() => loadStackFileSettings(stack), message);
      await assert.rejects(evaluateProgram(stack), message);
      const cli = await sh(`node cli/bin.js route explain --stack ${stack}`);
      assert.equal(cli.code, 2);
      assert.match(cli.stderr, message);
      assert.doesNotMatch(cli.stderr, /\n\s+at /, "no stack trace");
    });
  }

  // Files Pulumi itself would refuse or misread: the message names the file (and the line).
  const broken: [string, string, RegExp][] = [
    ["an empty file", "", /^Pulumi\.\S+\.yaml is empty; a stack file is a mapping with a config: section$/],
    ["a comment only", "# nothing yet\n", /^Pulumi\.\S+\.yaml is empty/],
    ["a top-level scalar", "hello\n", /^Pulumi\.\S+\.yaml line 1: the top level is the string hello; a stack file is a mapping/],
    ["a top-level list", "- a\n- b\n", /^Pulumi\.\S+\.yaml line 1: the top level is a list/],
    ["config that is a scalar", "config: 5\n", /^Pulumi\.\S+\.yaml line 1: config is the number 5; it must be a mapping of namespace:key to value$/],
    ["config that is a list", "config:\n  - orders:batchSize\n", /^Pulumi\.\S+\.yaml line 2: config is a list; it must be a mapping/],
    ["a YAML syntax error", "config:\n  orders:batchSize: [1, 2\n", /^Pulumi\.\S+\.yaml line \d+: /],
    ["a duplicate key", "config:\n  orders:batchSize: 10\n  orders:batchSize: 20\n", /^Pulumi\.\S+\.yaml line 3: Map keys must be unique/],
    ["a key without a namespace", "config:\n  batchSize: 10\n", /^Pulumi\.\S+\.yaml line 2: config key batchSize has no namespace; write it as <namespace>:batchSize \(this program's keys are orders:batchSize\)$/],
    ["a key without a value", "config:\n  orders:batchSize:\n", /^Pulumi\.\S+\.yaml line 2: orders:batchSize has no value/],
  ];
  for (const [what, text, message] of broken) {
    it(`names the file for ${what}`, async () => {
      const stack = stackWith(text);
      assert.throws(() => readStackConfig(stack), (err: Error) => message.test(err.message.replace(stack, "x")) || assert.fail(err.message));
      const cli = await sh(`node cli/bin.js route explain --stack ${stack}`);
      assert.equal(cli.code, 2);
      assert.match(cli.stderr.replace(stack, "x").trimEnd(), new RegExp(`^orders-pipeline: ${message.source.slice(1)}`));
    });
  }

  it("a file with no config section is all defaults", () => {
    const stack = stackWith("secretsprovider: passphrase\n");
    assert.deepEqual(readStackConfig(stack), {});
    assert.equal(loadStackFileSettings(stack).maxRetryAttempts, 5);
  });
});
