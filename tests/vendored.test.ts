import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectCopy } from "./support/projectCopy";
import { sh } from "./support/spawn";

// The CLI's build loads yaml and fauxqs (the local SQS) as one file each, from dist/node_modules
// (cli/build.js, VENDORED): the installed packages, bundled, so that a command no longer loads
// yaml's 72 modules or fauxqs's 633. In a copy of the project, whose dist/ these tests rebuild.

/** Prints, as the process exits, every loaded module file of `yaml`, `fauxqs` and `fastify`, wherever it came from. */
const PRELOAD = `process.on("exit", () => process.stderr.write("loaded: " + JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules\\/(yaml|fauxqs|fastify)\\//.test(f))) + "\\n"));`;
const loaded = (stderr: string): string[] => JSON.parse(/^loaded: (.*)$/m.exec(stderr)?.[1] ?? "null") as string[];

describe("packages the CLI loads as one file (cli/build.js)", function () {
  this.timeout(120000);
  let dir: string;
  const mtime = (rel: string) => fs.statSync(path.join(dir, rel)).mtimeMs;
  before(async () => {
    dir = projectCopy("orders-vendored-", { linkModules: true });
    fs.writeFileSync(path.join(dir, "preload.js"), PRELOAD);
    const built = await sh("node cli/build.js", { cwd: dir });
    assert.equal(built.code, 0, built.stderr);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("are the installed packages' versions", () => {
    for (const name of ["yaml", "fauxqs"]) {
      const vendored = JSON.parse(fs.readFileSync(path.join(dir, "dist", "node_modules", name, "package.json"), "utf8")) as { version: string };
      const installed = JSON.parse(fs.readFileSync(path.join(dir, "node_modules", name, "package.json"), "utf8")) as { version: string };
      assert.equal(vendored.version, installed.version, name);
    }
  });

  it("a command reading a stack file loads yaml as one file, and reads it as before", async () => {
    const r = await sh("node -r ./preload.js cli/bin.js route explain --stack dev --config orders:premiumMinAmount=2000", { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /premium route \(stack dev\)[\s\S]*processor guard +> 2000 /);
    assert.deepEqual(loaded(r.stderr), [path.join(dir, "dist", "node_modules", "yaml", "index.js")]);
    // A YAML error still names the file and line, through the bundled yaml.
    fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  orders:batchSize: [1\n");
    const broken = await sh("node cli/bin.js route explain --stack broken", { cwd: dir });
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /Pulumi\.broken\.yaml/);
  });

  it("the local SQS starts from one file, and serves queues as the SDK uses them", async () => {
    const script = `
      const { startSqsLocal } = require("./dist/local/sqsLocal.js");
      const { SQSClient, SendMessageCommand, ReceiveMessageCommand } = require("@aws-sdk/client-sqs");
      (async () => {
        const sqs = await startSqsLocal();
        const { queueUrl } = sqs.createQueue("vendored-dlq", {});
        const client = new SQSClient({ endpoint: sqs.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
        await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "kept" }));
        const got = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
        process.stdout.write((got.Messages || []).map((m) => m.Body).join(","));
        await sqs.stop();
      })().catch((err) => { process.stderr.write(String(err && err.stack)); process.exit(1); });`;
    fs.writeFileSync(path.join(dir, "sqs.js"), script);
    const r = await sh("node -r ./preload.js sqs.js", { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "kept");
    assert.deepEqual(
      loaded(r.stderr).filter((f) => !f.includes("/yaml/")),
      [path.join(dir, "dist", "node_modules", "fauxqs", "index.js")],
      "no module of the installed fauxqs or fastify",
    );
  });

  it("an edited source rebuilds the sources only; an install (the lock file) bundles the packages again", async () => {
    const bundle = "dist/node_modules/fauxqs/index.js";
    const before = mtime(bundle);
    const source = path.join(dir, "routing", "routes.ts");
    fs.appendFileSync(source, "\n");
    assert.equal((await sh("node cli/build.js", { cwd: dir })).stdout, "built dist/\n");
    assert.equal(mtime(bundle), before, "not bundled again for a source edit");
    const lock = path.join(dir, "package-lock.json");
    const later = new Date(fs.statSync(lock).mtimeMs + 5000);
    fs.utimesSync(lock, later, later);
    assert.equal((await sh("node cli/build.js", { cwd: dir })).stdout, "built dist/\n");
    assert.ok(mtime(bundle) > before, "bundled again after an install");
    fs.rmSync(path.join(dir, "dist", "node_modules"), { recursive: true });
    fs.appendFileSync(source, "\n");
    await sh("node cli/build.js", { cwd: dir });
    assert.ok(fs.existsSync(path.join(dir, bundle)), "a missing bundle is made again");
  });
});
