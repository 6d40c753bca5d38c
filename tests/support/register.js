// TypeScript for the tests (.mocharc.js), the scripts they run in copies of the project and `npm run bench`:
// ts-node, transpile-only, as Pulumi runs the program, each source compiled by esbuild as dist/
// and the processors' bundles are, and kept on disk for the next process (cachedTranspiler.js).
// Loaded before anything else.
"use strict";
require("ts-node").register({ transpileOnly: true, transpiler: require.resolve("./cachedTranspiler") });

// Pulumi's runtime captures whole stacks for its own diagnostics: at every promise it tracks
// for leaks (runtime/debuggable.js, debuggablePromise: `new Error().stack`, tens of thousands
// per test file) and at every resource registration (resource.js, Resource.callsites, with
// Error.stackTraceLimit at Infinity, which mocha also sets). ts-node's source-map-support maps
// every frame of each, which was most of what evaluating the program under the mocks cost
// (measured: program.test.ts spent 4.5 s of its 7 s there). Those two captures are formatted
// as V8 formats them, unmapped; every other stack trace (a failing test's, an error's, one
// Pulumi prints) is still mapped to the TypeScript source.
const PULUMI_CAPTURES = [
  ["debuggablePromise", /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/],
  ["callsites", /[\\/]@pulumi[\\/]pulumi[\\/]resource\.js$/],
];
const isPulumiCapture = (frame) =>
  frame !== undefined && PULUMI_CAPTURES.some(([name, file]) => frame.getFunctionName() === name && file.test(frame.getFileName() ?? ""));
const mapped = Error.prepareStackTrace;
if (typeof mapped === "function") {
  Error.prepareStackTrace = function prepareStackTrace(error, frames) {
    if (!isPulumiCapture(frames[0])) return mapped(error, frames);
    return `${Error.prototype.toString.call(error)}${frames.map((frame) => `\n    at ${frame}`).join("")}`;
  };
}
