import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT } from "./spawn";
import { tempDir } from "./tempDir";

/**
 * A copy of the project as a clean clone would have it: the files git knows and new ones it
 * does not ignore; no node_modules, no dist. With `linkModules`, node_modules links to this
 * checkout's, so the copy runs without an install (for a user's change, not for `npm ci`).
 * A temporary directory (tempDir.ts): removed when the test process ends, however it ends.
 */
export function projectCopy(prefix: string, opts: { linkModules?: boolean } = {}): string {
  const dir = tempDir(prefix);
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: PROJECT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const f of files) {
    if (!fs.existsSync(path.join(PROJECT, f))) continue; // deleted, not yet committed
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(PROJECT, f), path.join(dir, f));
  }
  if (opts.linkModules) fs.symlinkSync(path.join(PROJECT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}
