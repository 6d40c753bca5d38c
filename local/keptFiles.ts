import * as fs from "node:fs";
import * as path from "node:path";

// The local runtime's caches on disk (bundles, plans) keep one file per entry and only the
// most recently used ones: each copy of the project, each set of routes or overrides has
// its own entry, so without a bound every edit and every copy would add one for good.

/** Marks a kept file as used now (its mtime orders the entries). */
export function markUsed(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // gone meanwhile: nothing to mark
  }
}

/** Removes all but the `count` most recently used `.json` files of `dir`. */
export function keepRecent(dir: string, count: number): void {
  const kept = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => {
      const file = path.join(dir, f);
      try {
        return { file, used: fs.statSync(file).mtimeMs };
      } catch {
        return undefined;
      }
    })
    .filter((k) => k !== undefined)
    .sort((a, b) => b.used - a.used);
  for (const old of kept.slice(count)) fs.rmSync(old.file, { force: true });
}
