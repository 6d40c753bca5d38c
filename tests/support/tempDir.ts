import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// A test's temporary directory, removed when its test process ends: each run used to leave
// its directories in the OS's temp directory for good (~7,000 after a few days of runs here).
// "exit" is not emitted for a process ended by a signal's default action (Ctrl-C of `npm test`,
// a SIGTERM), which left them too: on SIGINT, SIGTERM and SIGHUP the directories are removed,
// then the signal is raised again, so the process still ends by it (unless something else
// listens for it, which then decides).
const made: string[] = [];
let watching = false;
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function removeAll(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (!watching) {
    watching = true;
    process.once("exit", removeAll);
    for (const signal of SIGNALS) process.once(signal, onSignal);
  }
  made.push(dir);
  return dir;
}
