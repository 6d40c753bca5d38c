// The lines Lambda itself writes to a function's log group for every invocation, in the
// Text log format the stack deploys (infra/processorWithDlq.ts, loggingConfig Text). Shape
// from the Lambda Developer Guide's example output (START, END and REPORT per invocation,
// docs.aws.amazon.com/lambda/latest/dg/python-logging.html, "Example log output"; the same
// lines for every runtime). Init Duration and XRAY lines appear only on cold starts and with
// tracing, neither of which the model counts.

const REQUEST_ID = "8f507cfc-xmpl-4697-b07a-ac58fc914c95";

export function lambdaPlatformLogLines(memoryMb: number, billedMs: number): string[] {
  return [
    `START RequestId: ${REQUEST_ID} Version: $LATEST`,
    `END RequestId: ${REQUEST_ID}`,
    `REPORT RequestId: ${REQUEST_ID}\tDuration: ${(billedMs - 0.26).toFixed(2)} ms\tBilled Duration: ${billedMs} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: 80 MB\t`,
  ];
}

/** Bytes of those lines for one invocation. */
export function lambdaPlatformLogBytes(memoryMb: number, billedMs: number): number {
  return lambdaPlatformLogLines(memoryMb, billedMs).reduce((n, line) => n + Buffer.byteLength(line, "utf8"), 0);
}
