import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// A test's temporary directory, removed when its test process exits: each run used to leave
// its directories in the OS's temp directory for good (~7,000 after a few days of runs here).
const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (made.length === 0) process.on("exit", () => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  made.push(dir);
  return dir;
}
