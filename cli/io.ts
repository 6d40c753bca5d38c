import * as readline from "node:readline";
import type { Readable, Writable } from "node:stream";

/** Where a command reads and writes; the real process streams, or buffers in tests. */
export interface Io {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

export const processIo: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

/** Calls `each` for every non-blank line of input, in order, with its 1-based line number. */
export async function forEachLine(input: Readable, each: (line: string, lineNumber: number) => void | Promise<void>): Promise<void> {
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() !== "") await each(line, n);
  }
}

export class UsageError extends Error {}
