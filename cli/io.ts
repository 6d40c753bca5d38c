import * as fs from "node:fs";
import type { Readable, Writable } from "node:stream";

/** Where a command reads and writes; the real process streams, or buffers in tests. */
export interface Io {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

let stdin: Readable | undefined;

/**
 * The process's stdin, made when first read (a command that reads none never pays for it).
 * Redirected from a file (`route --jsonl < records.jsonl`), it is read 1 MiB at a time instead
 * of Node's 64 KiB: each read is a round trip to libuv's thread pool, and over 45 MB the
 * command sat idle between reads for ~60 ms of its ~0.8 s. A pipe or a terminal is Node's own.
 */
function processStdin(): Readable {
  if (stdin) return stdin;
  let file = false;
  try {
    file = fs.fstatSync(0).isFile();
  } catch {
    // no fd 0 (closed): Node's stdin says so in its own way
  }
  // No start position: reading goes on from where the file's offset is, as Node's stdin does.
  stdin = file ? fs.createReadStream("", { fd: 0, autoClose: false, highWaterMark: 1 << 20 }) : process.stdin;
  return stdin;
}

export const processIo: Io = {
  get stdin() {
    return processStdin();
  },
  stdout: process.stdout,
  stderr: process.stderr,
};

/** Wrong use of the command line (unknown option, missing argument): the usage is printed too. */
export class UsageError extends Error {}

/** An error message on one line (JSON.parse quotes the input, newlines included). */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ");
}

export interface LineOptions {
  /** Also call `each` for blank lines (one answer per input line); default: skip them. */
  readonly blank?: boolean;
  /** Called after the lines of each chunk of input were handled (flush output there). */
  readonly afterChunk?: () => void;
}

/**
 * Calls `each` for every line of input, in order, with its 1-based line number (CRLF or LF).
 * Reads the stream chunk by chunk rather than through readline: a chunk's lines are handled in
 * one go, so output can be written once per chunk (see LineWriter).
 */
export async function forEachLine(
  input: Readable,
  each: (line: string, lineNumber: number) => void | Promise<void>,
  opts: LineOptions = {},
): Promise<void> {
  let n = 0;
  // The unfinished line's pieces, joined once its end arrives: a line longer than a chunk is
  // never copied or searched again per chunk (which made long lines quadratic; issue 18).
  let carry: string[] = [];
  // Synchronous unless `each` returns a promise: a promise and a microtask per line cost more
  // than deciding most lines.
  const handle = (line: string): void | Promise<void> => {
    n++;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (!opts.blank && line.trim() === "") return;
    return each(line, n);
  };
  input.setEncoding?.("utf8");
  for await (const chunk of input) {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      let line = text.slice(start, nl);
      if (carry.length > 0) {
        carry.push(line);
        line = carry.join("");
        carry = [];
      }
      const pending = handle(line);
      if (pending) await pending;
      start = nl + 1;
    }
    if (start < text.length) carry.push(start === 0 ? text : text.slice(start));
    opts.afterChunk?.();
  }
  if (carry.length > 0) await handle(carry.join(""));
  opts.afterChunk?.();
}

/**
 * Collects output lines and writes them in one call per flush: for a pipe, every write is a
 * system call, and a write per line cost more than deciding the line.
 */
export class LineWriter {
  private buffered: string[] = [];
  private size = 0;

  constructor(private readonly out: Writable) {}

  line(text: string): void {
    this.buffered.push(text);
    this.size += text.length;
    if (this.size > 1 << 16) this.flush();
  }

  flush(): void {
    if (this.buffered.length === 0) return;
    this.out.write(`${this.buffered.join("\n")}\n`);
    this.buffered = [];
    this.size = 0;
  }
}
