import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { type Dialect, match, validate } from "../routing/eventPattern";
import { forEachLine, type Io, UsageError } from "./io";

// `pattern test`: does this pattern match this event, as EventBridge would decide it?
// Exit codes: 0 match, 1 no match, 2 invalid (pattern, event or usage).

function dialectOf(value: string | undefined): Dialect {
  const d = value ?? "eventbus";
  if (d !== "eventbus" && d !== "pipes") throw new UsageError(`--dialect is ${JSON.stringify(d)}; expected pipes or eventbus`);
  return d;
}

function readText(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
}

type Result = { result: "match" | "no-match" | "invalid"; message?: string };

/** Decides one pair; pattern and event are JSON text so number spelling survives. */
export function testPattern(pattern: string, event: string, dialect: Dialect): Result {
  const check = validate(pattern, dialect);
  if (!check.ok) return { result: "invalid", message: `pattern: ${check.message}` };
  try {
    JSON.parse(event);
  } catch (err) {
    return { result: "invalid", message: `event is not JSON: ${(err as Error).message}` };
  }
  return { result: match(pattern, event, dialect) ? "match" : "no-match" };
}

export async function patternCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "test") throw new UsageError(`pattern: unknown subcommand ${JSON.stringify(sub ?? "")}; expected: pattern test`);
  const { values } = parseArgs({
    args: rest,
    options: { pattern: { type: "string" }, event: { type: "string" }, dialect: { type: "string" }, jsonl: { type: "boolean" } },
    strict: true,
  });
  const dialect = dialectOf(values.dialect);
  if (values.jsonl) {
    let worst = 0;
    await forEachLine(io.stdin, (line, n) => {
      let out: Result;
      try {
        const input = JSON.parse(line) as { pattern?: unknown; event?: unknown };
        if (typeof input.pattern !== "string" || typeof input.event !== "string") {
          out = { result: "invalid", message: `line ${n}: expected {"pattern": "<JSON text>", "event": "<JSON text>"}` };
        } else {
          out = testPattern(input.pattern, input.event, dialect);
        }
      } catch (err) {
        out = { result: "invalid", message: `line ${n} is not JSON: ${(err as Error).message}` };
      }
      worst = Math.max(worst, out.result === "invalid" ? 2 : 0);
      io.stdout.write(`${JSON.stringify(out)}\n`);
    });
    return worst;
  }
  if (!values.pattern || !values.event) throw new UsageError("pattern test needs --pattern FILE and --event FILE (or --jsonl)");
  const out = testPattern(readText(values.pattern, "--pattern"), readText(values.event, "--event"), dialect);
  if (out.result === "invalid") {
    io.stdout.write(`invalid: ${out.message}\n`);
    return 2;
  }
  io.stdout.write(out.result === "match" ? "match\n" : "no match\n");
  return out.result === "match" ? 0 : 1;
}
