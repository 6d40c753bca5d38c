// One processor's execution environment for local runs: a worker thread with its own
// environment variables (as a Lambda function has), loading the same esbuild bundle that is
// deployed and invoking its handler once per message, one invocation at a time.
const { performance } = require("node:perf_hooks");
const { parentPort, workerData } = require("node:worker_threads");

let handler;
let initError;
try {
  handler = require(workerData.file).handler;
  if (typeof handler !== "function") throw new Error(`${workerData.file} exports no handler function`);
} catch (err) {
  initError = err;
}
// V8's compiled code for what the handler loads from here on, kept on disk as the commands keep
// theirs (cli/compileCache.js): the SDK clients and Powertools, loaded at the first order (~0.1 s of CPU
// in each processor, each run). Only after the bundle: each run names its bundle anew, and
// keeping its code would grow the cache at every run. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
if (workerData.compileCacheDir) require("node:module").enableCompileCache?.(workerData.compileCacheDir);

parentPort.on("message", async ({ id, payload }) => {
  if (initError) {
    parentPort.postMessage({ id, ok: false, error: `init failed: ${initError.message}` });
    return;
  }
  // The handler's duration, measured around the call only (as Lambda's billed duration is).
  const started = performance.now();
  try {
    const context = { functionName: workerData.functionName, awsRequestId: `local-${id}`, getRemainingTimeInMillis: () => workerData.timeoutMs };
    const result = await handler(payload, context);
    parentPort.postMessage({ id, ok: true, result, durationMs: performance.now() - started });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: err && err.message ? err.message : String(err), durationMs: performance.now() - started });
  }
});
