import * as fs from "node:fs";
import type { OutcomeEntry } from "../handlers/batch";
import { REPORT_MESSAGES } from "../handlers/constants";

// How a `dlq redrive --local` (its own process, running the processor itself) shows in the
// `local --watch` of the stack: the redrive appends each order's outcome, one JSON line, to a
// file the watch named in its state file (localState.ts); the watch follows the file and says
// "redriven" for each. A file, not a socket: appends of a line are atomic (O_APPEND), it
// needs no port, and a watch that is gone simply leaves it unread.

/** One order's outcome in a redrive, on one route: as the processor reported it. */
export type RedrivenOrder = OutcomeEntry;

/** The per-record outcomes in a processor's log line (its `batch.outcomes` report), or none. */
export function reportedOutcomes(line: string): { readonly outcomes: OutcomeEntry[]; readonly at?: number } | undefined {
  if (!line.startsWith("{")) return undefined;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (entry.message !== REPORT_MESSAGES.outcomes || !Array.isArray(entry.outcomes)) return undefined;
  const at = Date.parse(String(entry.timestamp));
  return { outcomes: entry.outcomes as OutcomeEntry[], at: Number.isNaN(at) ? undefined : at };
}

/** Appends outcomes to the watch's redrive log; a watch that went away meanwhile is no failure of the redrive. */
export function appendRedriven(file: string, orders: readonly RedrivenOrder[]): void {
  if (orders.length === 0) return;
  let fd: number;
  try {
    // Without O_CREAT: a watch that stopped (and removed its log) gets no new file left behind.
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND);
  } catch {
    return;
  }
  try {
    fs.writeSync(fd, orders.map((o) => `${JSON.stringify(o)}\n`).join(""));
  } finally {
    fs.closeSync(fd);
  }
}

/** Follows the redrive log from its current end; each complete line becomes one call. */
export function followRedrives(file: string, onOrder: (o: RedrivenOrder) => void, intervalMs = 200): { stop(): void } {
  fs.writeFileSync(file, "");
  let offset = 0;
  let partial = "";
  const read = () => {
    let fd: number;
    try {
      fd = fs.openSync(file, "r");
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= offset) return;
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      const lines = (partial + buf.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          onOrder(JSON.parse(line) as RedrivenOrder);
        } catch {
          // a line not of ours: skipped
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(read, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      read();
      fs.rmSync(file, { force: true });
    },
  };
}
