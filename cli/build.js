// The CLI's build: every TypeScript source of the program, the CLI and the local runtime,
// transpiled by esbuild into dist/ (the same tree, one file per source, CommonJS, ES2022).
//
// Why: ts-node compiled the sources at every start (about 1 s per command). esbuild transpiles
// the whole tree in about 0.5 s here, so `npm ci` builds it once (the `prepare` script) and
// `cli/bin.js` calls ensureBuilt() at every start: it compares the sources with what the last
// build saw (names, sizes, modification times; about 2 ms) and rebuilds only when something
// changed. Editing a source file and re-running a command stays one step.
// Types are not checked here (as with ts-node's transpile-only before): `npm test` runs tsc.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
const STAMP = path.join(DIST, ".build.json");
const LOCK = path.join(DIST, ".build.lock");
/** What the CLI can load: the program (index.ts) and everything it and the CLI import. */
const SOURCE_DIRS = ["cli", "config", "cost", "handlers", "infra", "local", "routing"];
const SOURCE_FILES = ["index.ts"];
/**
 * Packages the built code loads as one file each, from dist/node_modules (which Node searches
 * before the project's node_modules): the same packages and versions, bundled by esbuild, as
 * package name -> what the built code imports from it. Loading a package made of hundreds of
 * modules costs more than running it: yaml ships 72 CommonJS modules (~40 ms of CPU for every
 * command that reads a stack file, ~20 % of a `route` start; one file loads in ~10 ms); fauxqs,
 * the local SQS, is 633 ES modules with fastify (~300 ms of every `local` start; ~110 ms as one
 * file). Deploys, the handler bundles and the tests' sources use the installed packages.
 */
const VENDORED = {
  yaml: 'export * from "yaml";',
  // Its store is a module of its own that the package's exports do not name (local/sqsLocal.ts).
  fauxqs: `export { buildApp } from "fauxqs"; export { SqsStore } from ${JSON.stringify(path.join(ROOT, "node_modules", "fauxqs", "dist", "sqs", "sqsStore.js"))};`,
};
/** What says which versions of the vendored packages are installed: an install rebuilds. */
const INSTALLED = ["package-lock.json", "node_modules/.package-lock.json"];
const vendoredDir = (name) => path.join(DIST, "node_modules", name);
/** How each source is compiled: here into dist/, and by the tests (tests/support/cachedTranspiler.js). */
const COMPILE = {
  format: "cjs",
  platform: "node",
  target: "es2022",
  // import() of our own modules becomes require(), as tsc does for CommonJS: a native import()
  // would need file extensions and would load the file as an ES module.
  supported: { "dynamic-import": false },
};

function listSources() {
  const out = [...SOURCE_FILES];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(child);
    }
  };
  SOURCE_DIRS.forEach(walk);
  return out.sort();
}

/** name -> "size:mtime" of every source, of this script (a change here rebuilds too), and of the lock files (an install rebuilds the vendored packages). */
function fingerprint() {
  const files = {};
  for (const rel of [...listSources(), "cli/build.js", ...INSTALLED]) {
    let st;
    try {
      st = fs.statSync(path.join(ROOT, rel));
    } catch (err) {
      if (INSTALLED.includes(rel) && err.code === "ENOENT") continue;
      throw err;
    }
    files[rel] = `${st.size}:${st.mtimeMs}`;
  }
  return files;
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(STAMP, "utf8"));
  } catch {
    return undefined;
  }
}

function same(a, b) {
  if (!a || !b) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** What the vendored packages are built from: the installed versions and this script. */
const vendorKey = (files) => JSON.stringify(["cli/build.js", ...INSTALLED].map((rel) => [rel, files[rel]]));

function vendor(esbuild) {
  for (const [name, contents] of Object.entries(VENDORED)) {
    const dir = vendoredDir(name);
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8"));
    esbuild.buildSync({
      absWorkingDir: ROOT,
      stdin: { contents, resolveDir: ROOT, sourcefile: `${name}-entry.js` },
      outfile: path.join(dir, "index.js"),
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "es2022",
      legalComments: "inline", // the packages' licence notices stay with their code
      logLevel: "silent",
    });
    fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name, version, type: "commonjs", main: "index.js", private: true, description: `${name} ${version} and its dependencies from node_modules, as one file (cli/build.js)` })}\n`);
  }
}

function build(files) {
  const esbuild = require("esbuild");
  const sources = Object.keys(files).filter((f) => f.endsWith(".ts"));
  esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: sources,
    outdir: DIST,
    outbase: ROOT,
    bundle: false,
    ...COMPILE,
    sourcemap: "linked", // read only under `node --enable-source-maps`
    logLevel: "silent",
  });
  // The vendored packages change only with an install (or this script): ~0.4 s, not at every edit.
  const stamp = readStamp();
  const vendoredMissing = Object.keys(VENDORED).some((name) => !fs.existsSync(path.join(vendoredDir(name), "index.js")));
  if (vendoredMissing || vendorKey((stamp && stamp.files) || {}) !== vendorKey(files)) vendor(esbuild);
  // Sources that were deleted leave no stale output behind.
  for (const old of Object.keys((stamp && stamp.files) || {})) {
    if (!old.endsWith(".ts") || old in files) continue;
    for (const ext of [".js", ".js.map"]) fs.rmSync(path.join(DIST, old.replace(/\.ts$/, ext)), { force: true });
  }
  fs.writeFileSync(STAMP, `${JSON.stringify({ version: 1, files })}\n`);
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** A process's start time (field 22 of /proc/<pid>/stat, Linux), to tell it from a later process given the same pid. */
function startTimeOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether the builder that holds the lock still runs. The lock holds "<pid> <start time>": a
 * builder stopped by Ctrl-C or kill -9 leaves the file behind, and the next command takes the
 * lock over at once instead of waiting for it to age.
 */
function holderAlive(text) {
  const [pidText, started] = text.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined; // being written, or not ours
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code === "ESRCH") return false;
  }
  const now = startTimeOf(pid);
  return !(started && now && now !== started);
}

/** Takes dist/.build.lock; waits (saying so) while a live builder holds it. */
function lock() {
  const deadline = Date.now() + 30000;
  const since = Date.now();
  let said = false;
  // The lock appears with its holder already in it (written aside, then linked into place,
  // which fails if it exists): a builder stopped at any moment never leaves an empty lock that
  // the next command could not judge.
  const mine = `${LOCK}.${process.pid}`;
  fs.writeFileSync(mine, `${process.pid} ${startTimeOf(process.pid) || ""}\n`);
  for (;;) {
    let taken = false;
    try {
      fs.linkSync(mine, LOCK);
      taken = true;
    } catch (err) {
      if (err.code !== "EEXIST") {
        fs.rmSync(mine, { force: true });
        throw err;
      }
    }
    if (taken) {
      fs.rmSync(mine, { force: true });
      return;
    }
    let text;
    let age = 0;
    try {
      text = fs.readFileSync(LOCK, "utf8");
      age = Date.now() - fs.statSync(LOCK).mtimeMs;
    } catch {
      continue; // released just now
    }
    const alive = holderAlive(text);
    if (alive === false || (alive === undefined && age > 2000)) {
      fs.rmSync(LOCK, { force: true }); // its builder is gone (Ctrl-C, kill -9): nothing to wait for
      continue;
    }
    if (Date.now() > deadline) {
      process.stderr.write(`orders-pipeline: the build of pid ${text.trim().split(" ")[0]} has held ${path.relative(process.cwd(), LOCK) || LOCK} for 30 s; building anyway\n`);
      fs.rmSync(LOCK, { force: true });
      continue;
    }
    if (!said && Date.now() - since > 1000) {
      said = true;
      process.stderr.write(`orders-pipeline: waiting for the build of pid ${text.trim().split(" ")[0]} to finish (${path.relative(process.cwd(), LOCK) || LOCK})\n`);
    }
    sleep(20);
  }
}

/** Builds dist/ if it is missing or older than the sources; returns whether it built. */
function ensureBuilt() {
  let files = fingerprint();
  if (same(files, (readStamp() || {}).files)) return false;
  fs.mkdirSync(DIST, { recursive: true });
  // One builder at a time (several commands may start at once); the others wait for it.
  lock();
  try {
    files = fingerprint();
    if (same(files, (readStamp() || {}).files)) return false; // built by the one we waited for
    build(files);
    return true;
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

module.exports = { ensureBuilt, DIST, COMPILE };

if (require.main === module) {
  try {
    const built = ensureBuilt();
    process.stdout.write(built ? `built ${path.relative(process.cwd(), DIST) || DIST}/\n` : "dist/ is up to date\n");
  } catch (err) {
    process.stderr.write(`orders-pipeline build: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  }
}
