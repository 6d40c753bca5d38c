import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ProcessorHost } from "../local/processorHost";
import { PROJECT, sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// A processor's worker thread keeps V8's compiled code where its process keeps its own
// (local/processorWorker.js): for what the handler loads after its bundle (the SDK clients,
// Powertools), never for the bundle, which each run names anew.

// A handler that says whether the compile cache was on while its bundle loaded, and when it runs.
const HANDLER = `const { getCompileCacheDir } = require("node:module");
const atLoad = getCompileCacheDir() ?? null;
exports.handler = async () => ({ atLoad, atInvoke: getCompileCacheDir() ?? null });
`;

describe("the processors' compiled code kept between runs", function () {
  this.timeout(60000);

  it("on in the worker after its bundle loaded, in the host's directory, when the host keeps its own (as the commands do)", async () => {
    const cache = tempDir("orders-worker-cache-");
    try {
      const script = `require("node:module").enableCompileCache(${JSON.stringify(cache)});
        require("./cli/build").ensureBuilt();
        const { ProcessorHost } = require("./dist/local/processorHost.js");
        const host = new ProcessorHost({ functionName: "CacheProbe", code: ${JSON.stringify(HANDLER)}, environment: {}, timeoutMs: 20000 });
        host.invoke({}).then(async (r) => { process.stdout.write(JSON.stringify({ host: require("node:module").getCompileCacheDir(), ...r })); await host.stop(); });`;
      const r = await sh(`node -e '${script.replace(/'/g, "'\\''")}'`, { cwd: PROJECT });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { host: string };
      assert.ok(out.host.startsWith(`${cache}${path.sep}`), out.host);
      assert.deepEqual(out, { host: out.host, ok: true, result: { atLoad: null, atInvoke: out.host } }, "the same directory as the host's");
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it("off when the host keeps none (NODE_DISABLE_COMPILE_CACHE, or a process that never turned it on)", async () => {
    const host = new ProcessorHost({ functionName: "CacheProbeOff", code: HANDLER, environment: {}, timeoutMs: 20000 });
    try {
      assert.deepEqual(await host.invoke({}), { ok: true, result: { atLoad: null, atInvoke: null } });
    } finally {
      await host.stop();
    }
  });
});
