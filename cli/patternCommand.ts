import * as fs from "node:fs";
import type { Writable } from "node:stream";
import { getSystemErrorMap, parseArgs } from "node:util";
import { dynamoFilterProblems } from "../routing/dynamoFilterCheck";
import { jsonKind } from "../routing/jsonKind";
import { compilePatterns, type Dialect, JsonSyntaxError, PatternError } from "../routing/eventPattern";
import { forEachLine, type Io, LineWriter, oneLine, UsageError } from "./io";

// `pattern test`: does this pattern match this event, as EventBridge would decide it?
// Exit codes: 0 match, 1 no match, 2 invalid (pattern, event or usage).

function dialectOf(value: string | undefined): Dialect {
  const d = value ?? "eventbus";
  if (d !== "eventbus" && d !== "pipes") throw new UsageError(`--dialect is ${JSON.stringify(d)}; expected pipes or eventbus`);
  return d;
}

function sourceOf(value: string | undefined): "dynamodb" | undefined {
  if (value === undefined || value === "dynamodb") return value;
  throw new UsageError(`--source is ${JSON.stringify(value)}; the only source with rules of its own is dynamodb`);
}

function readText(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
}

type Result = { result: "match" | "no-match" | "invalid"; message?: string };

export interface TestOptions {
  readonly dialect: Dialect;
  /** "dynamodb": also apply the rules of a pipe reading a DynamoDB stream (routing/dynamoFilterCheck.ts). */
  readonly source?: "dynamodb";
}

/** Decides one pair; pattern and event are JSON text so number spelling survives. */
export function testPattern(pattern: string, event: string, opts: TestOptions): Result {
  let compiled;
  try {
    compiled = compilePatterns([pattern], opts.dialect);
  } catch (err) {
    if (err instanceof PatternError) return { result: "invalid", message: `pattern: ${err.message}` };
    throw err;
  }
  if (opts.source === "dynamodb") {
    const problems = dynamoFilterProblems(pattern);
    if (problems.length > 0) return { result: "invalid", message: `pattern: ${problems.join("; ")}` };
  }
  // The event is read as a pipe reads it: checked as JSON, only the fields the pattern names kept.
  let match;
  try {
    match = compiled.matchText(event);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    const why = oneLine(err.message);
    return { result: "invalid", message: why.startsWith("nested deeper") ? `event is ${why}` : `event is not JSON: ${why}` };
  }
  // A number, like a string or an array, is not an event (event-ruler matches JSON objects).
  if (match.notAnObject) return { result: "invalid", message: `event is ${match.notAnObject}; an event is a JSON object` };
  return { result: match.matched[0] ? "match" : "no-match" };
}

const LINE_SHAPE = '{"pattern": "<JSON text>", "event": "<JSON text>"}';

/** One `--jsonl` line: always exactly one answer, so answers line up with questions. */
function testLine(line: string, n: number, opts: TestOptions): Result {
  if (line.trim() === "") return { result: "invalid", message: `line ${n} is blank; expected ${LINE_SHAPE}` };
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch (err) {
    return { result: "invalid", message: `line ${n} is not JSON: ${oneLine((err as Error).message)}` };
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { result: "invalid", message: `line ${n} is ${jsonKind(input)}, not an object; expected ${LINE_SHAPE}` };
  }
  const { pattern, event } = input as { pattern?: unknown; event?: unknown };
  for (const [name, value] of [["pattern", pattern], ["event", event]] as const) {
    if (typeof value !== "string") {
      return { result: "invalid", message: `line ${n}: "${name}" is ${value === undefined ? "missing" : jsonKind(value)}; expected ${LINE_SHAPE}` };
    }
  }
  return testPattern(pattern as string, event as string, opts);
}

/** The options of `pattern test`; each is documented in cli/help.ts. */
export const PATTERN_TEST_OPTIONS = {
  pattern: { type: "string" },
  event: { type: "string" },
  dialect: { type: "string" },
  source: { type: "string" },
  jsonl: { type: "boolean" },
} as const;

/** Thrown to stop reading input once the output cannot take more. */
class OutputFailed extends Error {}

/**
 * Watches the command's stdout: a reader that stops early (EPIPE, `... | head -1`) ends the
 * command quietly; any other failed write (a full disk, a closed file) ends it with exit 2 and
 * one line naming the cause, never as an answer (exit 1 would read "no match").
 */
function watchOutput(out: Writable) {
  let failure: NodeJS.ErrnoException | undefined;
  // Kept for the life of the process: the error event of a failed write comes a tick after it.
  out.on("error", (err: NodeJS.ErrnoException) => {
    failure ??= err;
  });
  return {
    /** Throws OutputFailed if a write failed. */
    check(): void {
      if (failure) throw new OutputFailed();
    },
    /** After the last write: 0 if all was written or the reader left (EPIPE); throws for another failure. */
    async finish(): Promise<void> {
      await new Promise<void>((resolve) => out.write("", () => resolve()));
      await new Promise((resolve) => setImmediate(resolve));
      if (!failure || failure.code === "EPIPE") return;
      const known = typeof failure.errno === "number" ? getSystemErrorMap().get(failure.errno) : undefined;
      throw new Error(`cannot write the answer to stdout: ${known ? `${known[1]} (${known[0]})` : oneLine(failure.message)}`);
    },
  };
}

export async function patternCommand(args: string[], io: Io): Promise<number> {
  const output = watchOutput(io.stdout);
  try {
    const code = await answer(args, io, output);
    await output.finish();
    return code;
  } catch (err) {
    if (!(err instanceof OutputFailed)) throw err;
    await output.finish();
    return 0; // the reader left (EPIPE): a quiet end
  }
}

async function answer(args: string[], io: Io, output: ReturnType<typeof watchOutput>): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "test") throw new UsageError(`pattern: unknown subcommand ${JSON.stringify(sub ?? "")}; expected: pattern test`);
  const { values } = parseArgs({ args: rest, options: PATTERN_TEST_OPTIONS, strict: true });
  const opts: TestOptions = { dialect: dialectOf(values.dialect), source: sourceOf(values.source) };
  if (values.jsonl) {
    if (values.pattern || values.event) throw new UsageError("pattern test takes --jsonl or --pattern FILE --event FILE, not both");
    const out = new LineWriter(io.stdout);
    let worst = 0;
    await forEachLine(
      io.stdin,
      (line, n) => {
        output.check();
        const result = testLine(line, n, opts);
        if (result.result === "invalid") worst = 2;
        out.line(JSON.stringify(result));
      },
      { blank: true, afterChunk: () => out.flush() },
    );
    return worst;
  }
  if (!values.pattern || !values.event) throw new UsageError("pattern test needs --pattern FILE and --event FILE (or --jsonl)");
  const out = testPattern(readText(values.pattern, "--pattern"), readText(values.event, "--event"), opts);
  if (out.result === "invalid") {
    io.stdout.write(`invalid: ${out.message}\n`);
    return 2;
  }
  io.stdout.write(out.result === "match" ? "match\n" : "no match\n");
  return out.result === "match" ? 0 : 1;
}
