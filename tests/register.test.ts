import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { Resource } from "@pulumi/pulumi";

// Pulumi's internals that capture whole stacks (not in its type declarations).
type Position = { file?: string; line?: number; column?: number };
const { callsites } = Resource as unknown as { callsites(): Position[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T> };

// tests/support/register.js: TypeScript through ts-node with its stack traces mapped to the
// sources, except the whole stacks Pulumi captures for its own diagnostics (at each resource
// registration, and at each promise it tracks for leaks).

const TS = fs.readFileSync(__filename, "utf8").split("\n");
const at = (marker: string) => {
  const line = TS.findIndex((l) => l.includes(marker));
  return { line: line + 1, column: TS[line].indexOf("new Error") + 1 };
};

describe("the tests' TypeScript register", () => {
  it("maps an ordinary stack trace to the TypeScript source, line and column", () => {
    const make = (why: string, code: number): Error => new Error(`${why} ${code}`); // MARK-ORDINARY
    const want = at("MARK-ORDINARY");
    const top = make("x", 1).stack!.split("\n")[1];
    assert.match(top, new RegExp(`register\\.test\\.ts:${want.line}:${want.column}\\)?$`), top);
  });

  it("leaves Pulumi's own whole-stack captures unmapped, as V8 formats them, so Pulumi still reads each frame's position", async () => {
    const frames = callsites.call(Resource);
    const here = frames.find((f) => f.file?.endsWith("register.test.ts"));
    assert.ok(here && Number.isInteger(here.line) && Number.isInteger(here.column), JSON.stringify(frames.slice(0, 5)));
    assert.notEqual(here.line, at("callsites.call(Resource);").line, "the compiled JavaScript's line, not the TypeScript's: not mapped");

    const tracked = Promise.resolve(1);
    const settled = debuggablePromise(tracked, "a test's promise");
    const trace = (tracked as unknown as { _debugStackTrace: string })._debugStackTrace;
    const line = new RegExp(`register\\.test\\.ts:(\\d+):\\d+`).exec(trace)?.[1];
    assert.ok(line !== undefined, trace);
    assert.notEqual(Number(line), at("debuggablePromise(tracked").line, "not mapped");
    assert.equal(await settled, 1);
  });
});
