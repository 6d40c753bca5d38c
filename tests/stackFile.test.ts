import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { RunError } from "@pulumi/pulumi";
import { parse } from "yaml";
import { CONFIG_NAMESPACE } from "../config/settings";
import { loadStackFileSettings, PROJECT_DIR, readStackConfig, readStackFile } from "../config/stackFile";
import { type DeclaredResource, evaluateProgram } from "../local/evaluateProgram";
import { sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// Stack files as Pulumi users have them. Each case is a Pulumi.<stack>.yaml written into the
// project for the test (and removed after), then read three ways that must agree: the file
// reader, the Pulumi program under mocks (what `pulumi preview` runs), and a CLI command.

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
const withKeys = (...lines: string[]) => `${DEV}${lines.map((l) => `  ${l}\n`).join("")}`;
const cli = (args: string, env?: NodeJS.ProcessEnv) => sh(`node cli/bin.js ${args}`, { env });

/** What `pulumi preview` prints for an error the program throws (@pulumi/pulumi cmd/run/run.js): the message of a RunError, else util.inspect of the error. */
function printedByPulumi(err: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { defaultErrorMessage } = require("@pulumi/pulumi/cmd/run/error") as { defaultErrorMessage(e: unknown): string };
  return RunError.isInstance(err) ? (err as Error).message : defaultErrorMessage(err);
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe("stack files, read the way Pulumi writes them", () => {
  after(() => written.forEach((f) => fs.rmSync(f, { force: true })));
  it("the Pulumi project is named after the config namespace, so a bare `pulumi config set KEY VALUE` lands where the program reads", () => {
    const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { name: string };
    assert.equal(project.name, CONFIG_NAMESPACE);
    // What `pulumi config set maxRetryAttempts 2` writes: the project's namespace, a string value.
    const stack = stackWith(DEV.replace("orders:maxRetryAttempts: 5", `${project.name}:maxRetryAttempts: "2"`));
    assert.equal(loadStackFileSettings(stack).maxRetryAttempts, 2);
  });

  // Keys a real stack carries, which are not this program's business: the same as dev for the
  // reader, the program and the CLI. [what, file text, check of what the program declared]
  const accepted: [string, string, (resources: readonly DeclaredResource[]) => void][] = [
    [
      "other providers', stack references' and ESC-provided keys, and Pulumi's own",
      withKeys("datadog:site: datadoghq.eu", "kubernetes:context: prod-cluster", "network:vpcStack: acme/network/prod", "myapp:greeting: hello", "aws:skipCredentialsValidation: true", 'pulumi:disable-default-providers: ["kubernetes"]'),
      () => undefined,
    ],
    [
      "a secret (`pulumi config set --secret orders:alarmEmail ...`), which the program only hands to AWS",
      withKeys("orders:alarmEmail:", "  secure: v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="),
      (resources) => {
        const sub = resources.find((r) => r.type === "aws:sns/topicSubscription:TopicSubscription");
        assert.equal(sub?.state.endpoint, "[secret]", "the subscription is declared as with the address");
      },
    ],
    [
      "a YAML alias, read as the value it names (as Pulumi's YAML decoder does)",
      DEV.replace('orders:normalMinAmount: "100"', 'orders:normalMinAmount: &min "150"').replace('orders:premiumMinAmount: "1000"', "orders:premiumMinAmount: *min"),
      (resources) => {
        const functions = resources.filter((r) => r.type === "aws:lambda/function:Function");
        assert.equal(functions.length, 2);
        for (const f of functions) assert.ok(JSON.stringify(f.state.environment).includes('"150"'), `both thresholds are 150: ${JSON.stringify(f.state.environment)}`);
      },
    ],
  ];
  for (const [what, text, check] of accepted) {
    it(`accepts ${what}: reader, program and CLI alike`, async () => {
      const stack = stackWith(text);
      assert.equal(loadStackFileSettings(stack).batchSize, 10);
      check((await evaluateProgram(stack)).resources);
      const r = await cli(`route explain --stack ${stack}`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
    });
  }

  it("an alias gives the CLI the value it names", async () => {
    const stack = stackWith(DEV.replace('orders:normalMinAmount: "100"', 'orders:normalMinAmount: &min "150"').replace('orders:premiumMinAmount: "1000"', "orders:premiumMinAmount: *min"));
    assert.equal(loadStackFileSettings(stack).routeValues.premiumMinAmount, "150");
    const r = await cli(`route explain --stack ${stack}`);
    assert.match(r.stdout, /premium route[\s\S]*processor guard +> 150 /);
  });

  // [what, file text, message]: the same message from the reader, the program and the CLI, each once.
  const refused: [string, string, RegExp][] = [
    ["a key in a namespace one letter off", withKeys("order:batchSize: 20"), /order:batchSize in Pulumi\.\S+\.yaml: the namespace "order" is read by nothing here \(config keys are case-sensitive\); did you mean orders:batchSize\?/],
    ["a key in the package's name as namespace", withKeys("orders-pipeline:batchSize: 20"), /orders-pipeline:batchSize in Pulumi\.\S+\.yaml: .*did you mean orders:batchSize\?/],
    ["a key in the namespace written in another case", withKeys("Orders:batchSize: 20"), /Orders:batchSize in Pulumi\.\S+\.yaml: the namespace "Orders" is read by nothing here .*did you mean orders:batchSize\?/],
    ["the AWS provider's namespace in another case", withKeys("AWS:region: eu-west-1"), /AWS:region in Pulumi\.\S+\.yaml: .*did you mean aws:region\?/],
    ["an unknown key inside orders:", withKeys("orders:premiumMinAmmount: 2000"), /orders:premiumMinAmmount in Pulumi\.\S+\.yaml is not a setting of this program; did you mean orders:premiumMinAmount\?/],
    ["an out-of-range number, as written", DEV.replace("orders:maxRetryAttempts: 5", "orders:maxRetryAttempts: 1e400"), /orders:maxRetryAttempts is 1e400 in Pulumi\.\S+\.yaml; must be a whole number/],
    [
      "a threshold above DynamoDB's largest number, which no order could pass",
      DEV.replace('orders:premiumMinAmount: "1000"', "orders:premiumMinAmount: 1E+200"),
      /orders:premiumMinAmount is 1E\+200 in Pulumi\.\S+\.yaml; must be 0 or within DynamoDB's number range, 1E-130 to 9\.9{37}E\+125: no order amount can be above it/,
    ],
    ["a 200,000-character value, cut short", DEV.replace('orders:normalMinAmount: "100"', `orders:normalMinAmount: "${"7".repeat(200000)}x"`), /orders:normalMinAmount is 7{60}… \(200,001 characters\) in Pulumi\.\S+\.yaml; must be a decimal number/],
  ];
  for (const [what, text, message] of refused) {
    it(`refuses ${what}: reader, program and CLI alike, and says it once`, async () => {
      const stack = stackWith(text);
      assert.throws(() => loadStackFileSettings(stack), message);
      let thrown: unknown;
      await evaluateProgram(stack).catch((err) => (thrown = err));
      assert.ok(thrown, "the program refuses it");
      const preview = printedByPulumi(thrown);
      assert.match(preview, message);
      assert.equal(count(preview, message.exec(preview)![0]), 1, `pulumi preview prints it once:\n${preview}`);
      assert.doesNotMatch(preview, /\n\s+at /, "pulumi preview prints no stack trace");
      const r = await cli(`route explain --stack ${stack}`);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.equal(count(r.stderr, message.exec(r.stderr)![0]), 1, r.stderr.slice(0, 2000));
      assert.ok(r.stderr.length < 2000, `${r.stderr.length} characters on stderr`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    });
  }

  describe("a secret the command needs", () => {
    const SECRET_THRESHOLD = DEV.replace('orders:premiumMinAmount: "1000"', "orders:premiumMinAmount:\n    secure: v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==");
    const HOW = /orders:premiumMinAmount is a secret in Pulumi\.\S+\.yaml \(an encrypted "secure:" value\) that this command cannot decrypt, and it needs the value: give it with --config orders:premiumMinAmount=VALUE/;

    it("is named, with how to supply it, when read; --config supplies it", async () => {
      const stack = stackWith(SECRET_THRESHOLD);
      assert.throws(() => loadStackFileSettings(stack).routeValues.premiumMinAmount, HOW);
      await assert.rejects(evaluateProgram(stack), HOW);
      const r = await cli(`route explain --stack ${stack}`);
      assert.equal(r.code, 2);
      assert.match(r.stderr, HOW);
      const given = await cli(`route explain --stack ${stack} --config orders:premiumMinAmount=2000`);
      assert.equal(given.code, 0, given.stderr);
      assert.match(given.stdout, /premium route[\s\S]*> 2000/);
    });

    it("a command that does not read it runs (pattern test reads no stack at all; cost prices with the other keys)", async () => {
      const stack = stackWith(DEV.replace("orders:lambdaMemoryMb: 256", "orders:lambdaMemoryMb: 256\n  orders:alarmEmail:\n    secure: v1:AAAA"));
      const r = await cli(`cost --stack ${stack} --records examples/records.jsonl --per-month 1000 --json`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
    });
  });

  describe("ESC environments (`environment:` in the stack file)", () => {
    const tmp = tempDir("orders-esc-");
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const ESC = `environment:\n  - orders/common\n  - orders/dev\n${DEV}`;

    /** A PATH with node and sh only: no Pulumi CLI, whatever this machine has. */
    function pathWithoutPulumi(): string {
      const bin = path.join(tmp, "no-pulumi");
      fs.mkdirSync(bin, { recursive: true });
      for (const [name, target] of [["node", process.execPath], ["sh", "/bin/sh"]]) {
        if (!fs.existsSync(path.join(bin, name))) fs.symlinkSync(target, path.join(bin, name));
      }
      return bin;
    }

    /** A `pulumi` on PATH that logs its arguments and answers as given. */
    function fakePulumi(name: string, script: string): { env: NodeJS.ProcessEnv; log: string } {
      const bin = path.join(tmp, name);
      fs.mkdirSync(bin, { recursive: true });
      const log = path.join(bin, "args.log");
      fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$PWD $@" >> ${log}\n${script}\n`, { mode: 0o755 });
      return { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, log };
    }

    it("the reader names the environments, in both of Pulumi's spellings", () => {
      assert.deepEqual(readStackFile(stackWith(ESC)).environments, ["orders/common", "orders/dev"]);
      const inline = stackWith(`environment:\n  imports:\n    - orders/common\n  values:\n    pulumiConfig:\n      orders:batchSize: 20\n${DEV}`);
      assert.deepEqual(readStackFile(inline).environments, ["orders/common", "inline values"]);
    });

    it("without the Pulumi CLI: says which environments it could not read and that their values are not applied", async () => {
      const stack = stackWith(ESC);
      const r = await cli(`route explain --stack ${stack}`, { ...process.env, PATH: pathWithoutPulumi() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stderr,
        `orders-pipeline: warning: Pulumi.${stack}.yaml imports the ESC environments orders/common, orders/dev, which this command could not read: ` +
          `the Pulumi CLI is not installed (no \`pulumi\` on PATH). Their values are not applied: this command uses Pulumi.${stack}.yaml's own values and the defaults; give a value with --config KEY=VALUE.\n`,
      );
      assert.match(r.stdout, /premium route[\s\S]*> 1000/);
      // The program under mocks reads the file's own values too (Pulumi opens the environments for a real preview).
      await evaluateProgram(stack);
    });

    it("with the Pulumi CLI: takes the resolved config from `pulumi config --json --show-secrets`", async () => {
      const stack = stackWith(ESC);
      const resolved = {
        "aws:region": { value: "us-east-1", secret: false },
        "aws:defaultTags": { value: '{"tags":{"project":"orders-pipeline"}}', objectValue: { tags: { project: "orders-pipeline" } }, secret: false },
        "orders:premiumMinAmount": { value: "2500", secret: false },
        "orders:normalStatuses": { value: '["pending","packed"]', objectValue: ["pending", "packed"], secret: false },
        "orders:alarmEmail": { value: "oncall@example.com", secret: true },
        "datadog:site": { value: "datadoghq.eu", secret: false },
      };
      const fake = fakePulumi("pulumi-ok", `cat <<'JSON'\n${JSON.stringify(resolved, null, 2)}\nJSON`);
      const r = await cli(`route explain --stack ${stack}`, fake.env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /premium route[\s\S]*> 2500/);
      assert.match(r.stdout, /"S":\["packed","pending"\]|"S":\["pending","packed"\]/);
      assert.equal(r.stderr, `orders-pipeline: stack ${stack}: config read through the Pulumi CLI, with the environments Pulumi.${stack}.yaml imports (orders/common, orders/dev)\n`);
      assert.equal(fs.readFileSync(fake.log, "utf8"), `${PROJECT_DIR} config --json --show-secrets --stack ${stack} --non-interactive\n`);
      // --config still wins, and a bad value from an environment is named as such.
      const over = await cli(`route explain --stack ${stack} --config orders:premiumMinAmount=3000`, fake.env);
      assert.match(over.stdout, /premium route[\s\S]*> 3000/);
      const badEnv = fakePulumi("pulumi-bad", `echo '{"orders:batchSize": {"value": "0", "secret": false}}'`);
      const bad = await cli(`route explain --stack ${stack}`, badEnv.env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, new RegExp(`orders:batchSize is 0 in the environments Pulumi\\.${stack}\\.yaml imports; a pipe accepts 1 to 10000`));
    });

    it("with a Pulumi CLI that cannot read the stack: says why, and goes on with the file's values", async () => {
      const stack = stackWith(ESC);
      const fake = fakePulumi("pulumi-fails", "echo 'error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions' >&2; exit 255");
      const r = await cli(`route explain --stack ${stack}`, fake.env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /which this command could not read: `pulumi config` failed: error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions\. Their values are not applied/);
    });

    it("secrets: decrypted through the Pulumi CLI when it can, without a word when it is not installed", async () => {
      const stack = stackWith(DEV.replace('orders:premiumMinAmount: "1000"', "orders:premiumMinAmount:\n    secure: v1:AAAA"));
      const fake = fakePulumi("pulumi-secrets", `echo '{"orders:premiumMinAmount": {"value": "1200", "secret": true}, "aws:region": {"value": "us-east-1", "secret": false}}'`);
      const r = await cli(`route explain --stack ${stack}`, fake.env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      assert.match(r.stdout, /premium route[\s\S]*> 1200/);
      const without = await cli(`route explain --stack ${stack} --config premiumMinAmount=1300`, { ...process.env, PATH: pathWithoutPulumi() });
      assert.deepEqual([without.code, without.stderr], [0, ""]);
      assert.match(without.stdout, /premium route[\s\S]*> 1300/);
    });
  });

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
    ["an alias to no anchor", "config:\n  orders:batchSize: *nowhere\n", /^Pulumi\.\S+\.yaml line 2: .*nowhere/],
  ];
  for (const [what, text, message] of broken) {
    it(`names the file for ${what}`, async () => {
      const stack = stackWith(text);
      assert.throws(() => readStackConfig(stack), (err: Error) => message.test(err.message.replace(stack, "x")) || assert.fail(err.message));
      const r = await cli(`route explain --stack ${stack}`);
      assert.equal(r.code, 2);
      assert.match(r.stderr.replace(stack, "x").trimEnd(), new RegExp(`^orders-pipeline: ${message.source.slice(1)}`));
    });
  }

  it("a file with no config section is all defaults", () => {
    const stack = stackWith("secretsprovider: passphrase\n");
    assert.deepEqual(readStackConfig(stack), {});
    assert.equal(loadStackFileSettings(stack).maxRetryAttempts, 5);
  });
});

describe("a stack file read again (config/stackFileKept.ts)", () => {
  after(() => written.forEach((f) => fs.rmSync(f, { force: true })));
  const explain = (stack: string) => sh(`node -r ./tests/support/loadedPackages.js cli/bin.js route explain --stack ${stack}`);
  const loaded = (stderr: string) => JSON.parse(/loaded packages: (.*)\n$/.exec(stderr)![1]) as string[];
  const amountRule = (stdout: string) => /Amount .* (> \d+) \(exact decimal\)/.exec(stdout)?.[1];

  it("is not parsed again while its text is the same; any edit is read at once, also one that keeps the size and the modification time", async () => {
    const stack = stackWith(DEV);
    const file = path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`);
    const first = await explain(stack);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(loaded(first.stderr).includes("yaml"), "the first read parses the file");
    const again = await explain(stack);
    assert.equal(again.stdout, first.stdout);
    assert.deepEqual(loaded(again.stderr).filter((p) => p === "yaml"), [], "the same text again: the YAML library is not loaded");
    assert.equal(amountRule(again.stdout), "> 100");

    const { mtime } = fs.statSync(file);
    fs.writeFileSync(file, DEV.replace('orders:normalMinAmount: "100"', 'orders:normalMinAmount: "250"'));
    fs.utimesSync(file, mtime, mtime);
    assert.equal(fs.statSync(file).size, Buffer.byteLength(DEV));
    const edited = await explain(stack);
    assert.equal(amountRule(edited.stdout), "> 250", edited.stderr);
    assert.deepEqual(readStackConfig(stack)["orders:normalMinAmount"], "250");

    // A broken file after a good read: its own error, every time, never the kept read.
    fs.writeFileSync(file, `${DEV}  orders:batchSize: [1\n`);
    for (let i = 0; i < 2; i++) {
      const broken = await cli(`route explain --stack ${stack}`);
      assert.equal(broken.code, 2);
      assert.match(broken.stderr, new RegExp(`Pulumi\\.${stack}\\.yaml line \\d+`));
    }
  });

  it("gives the same config, environments and name as a first read", () => {
    const stack = stackWith(`environment:\n  - orders/shared\n${DEV}`);
    const first = readStackFile(stack);
    assert.deepEqual(readStackFile(stack), first);
    assert.deepEqual(first.environments, ["orders/shared"]);
    assert.equal(first.name, `Pulumi.${stack}.yaml`);
  });
});
