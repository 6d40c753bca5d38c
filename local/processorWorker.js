// One processor's execution environment for local runs: a worker thread with its own
// environment variables (as a Lambda function has), loading the same esbuild bundle that is
// deployed and invoking its handler once per message, one invocation at a time.
const { parentPort, workerData } = require("node:worker_threads");

let handler;
let initError;
try {
  handler = require(workerData.file).handler;
  if (typeof handler !== "function") throw new Error(`${workerData.file} exports no handler function`);
} catch (err) {
  initError = err;
}

parentPort.on("message", async ({ id, payload }) => {
  if (initError) {
    parentPort.postMessage({ id, ok: false, error: `init failed: ${initError.message}` });
    return;
  }
  try {
    const context = { functionName: workerData.functionName, awsRequestId: `local-${id}`, getRemainingTimeInMillis: () => workerData.timeoutMs };
    const result = await handler(payload, context);
    parentPort.postMessage({ id, ok: true, result });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: err && err.message ? err.message : String(err) });
  }
});
