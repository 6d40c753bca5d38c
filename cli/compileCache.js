// V8's compiled code for the modules the commands load, kept on disk by Node (node:module,
// Node 22.1+) and checked against each file's content at load: ~0.3 s less CPU for a `local`
// run here, ~20 ms for `dlq`. The processors that `local` runs in worker threads keep theirs
// here too, except their bundles, which each run names anew (local/processorWorker.js).
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
//
// Node keeps an entry per module file and never removes one. Every copy of the project whose
// node_modules is this one (the tests make several a run) adds entries for its own paths, and
// each Node version has its own directory: ~4 MB more per `npm test` here. So once a day, the
// first command removes the entries not written for KEEP_DAYS (an entry still in use is simply
// compiled and written again) and the directories left empty.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const KEEP_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;
const MARKER = ".pruned";

const list = (dir) => {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
};

/**
 * Removes, at most once a day, the entries of `dir`'s subdirectories not written for KEEP_DAYS,
 * and the subdirectories they leave empty but `inUse` (this process's); returns whether it
 * looked. The tests' transpile cache (tests/support/cachedTranspiler.js) is kept so too.
 */
function pruneDaily(dir, inUse, now = Date.now()) {
  try {
    if (now - fs.statSync(path.join(dir, MARKER)).mtimeMs < DAY_MS) return false;
  } catch (err) {
    if (err.code !== "ENOENT") return false;
    if (!fs.existsSync(dir)) return false; // nothing kept yet
  }
  const before = now - KEEP_DAYS * DAY_MS;
  for (const version of list(dir)) {
    if (!version.isDirectory()) continue;
    const versionDir = path.join(dir, version.name);
    for (const entry of list(versionDir)) {
      const file = path.join(versionDir, entry.name);
      try {
        if (fs.statSync(file).mtimeMs < before) fs.rmSync(file, { force: true, recursive: true });
      } catch {
        // gone meanwhile
      }
    }
    if (versionDir === inUse) continue; // Node writes this process's entries there at exit
    try {
      fs.rmdirSync(versionDir); // only if empty: a Node version no longer used
    } catch {
      // still holds entries
    }
  }
  try {
    fs.writeFileSync(path.join(dir, MARKER), "");
  } catch {
    // read-only: look again next time
  }
  return true;
}

/** Turns Node's compile cache on in `dir` for this process, and keeps `dir` from growing for good. */
function useCompileCache(dir) {
  const nodeModule = require("node:module");
  nodeModule.enableCompileCache?.(dir);
  const inUse = nodeModule.getCompileCacheDir?.();
  if (inUse !== undefined) pruneDaily(dir, inUse);
}

module.exports = { useCompileCache, pruneDaily, KEEP_DAYS };
