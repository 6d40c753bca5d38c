import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../config/stackFile";
import { type Bundle, bundleProcessor, type ServedRoute, SDK_PACKAGING, STEPS_DIR } from "../infra/bundle";
import { keepRecent, markUsed } from "./keptFiles";
import { writeWhole } from "./writeWhole";

// The processors' bundles, kept between local runs: esbuild takes ~0.5 s of CPU a run for the
// two of them, while checking that not one of their ~100 source files changed takes a few ms.
// A kept bundle is used only if every file it was built from has the same content, the lock
// file (which packages are installed) is the same, and the project's directories that hold
// its sources list the same files (a new file can change what an import resolves to).
// Deploys (`pulumi up`) always build afresh (infra/bundle.ts).

const CACHE_DIR = path.join(PROJECT_DIR, "node_modules", ".cache", "orders-bundles");
// Its package.json, not the module: loading esbuild takes ~70 ms, which a kept bundle saves.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const esbuildVersion = (require("esbuild/package.json") as { version: string }).version;

interface Kept {
  readonly key: string;
  /** [file, sha1 of its content] for every input. */
  readonly inputs: readonly (readonly [string, string])[];
  readonly dirs: string;
  readonly code: string;
}

const sha1 = (data: string | Buffer) => crypto.createHash("sha1").update(data).digest("hex");

function contentHash(file: string): string | undefined {
  try {
    return sha1(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

/** The listings of the project's directories (not node_modules) that hold `inputs`. */
function projectDirs(inputs: readonly string[]): string {
  const dirs = [...new Set(inputs.filter((f) => !path.relative(PROJECT_DIR, f).split(path.sep).includes("node_modules")).map((f) => path.dirname(f)))].sort();
  return sha1(JSON.stringify(dirs.map((d) => [d, safeList(d)])));
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/**
 * How many bundles are kept (~185 KB each), the most recently used. Every copy of the project
 * and every set of routes has its own, so without a bound each edit and each copy (the tests
 * make several a run) would add one for good.
 */
export const KEPT_BUNDLES = 40;

/** The bundle of the processor serving `served`, as infra/bundle.ts builds it, kept on disk between runs. */
export function localBundle(served: readonly ServedRoute[], opts: { cacheDir?: string; /** Tests only: steps from elsewhere than handlers/steps/. */ stepsDir?: string } = {}): Bundle {
  const cacheDir = opts.cacheDir ?? CACHE_DIR;
  // A copy of the project (its node_modules linked) shares this directory: its own key.
  const key = sha1(JSON.stringify([served, opts.stepsDir ?? STEPS_DIR, SDK_PACKAGING, esbuildVersion, contentHash(path.join(PROJECT_DIR, "package-lock.json")) ?? ""]));
  const file = path.join(cacheDir, `${key.slice(0, 16)}.json`);
  try {
    const kept = JSON.parse(fs.readFileSync(file, "utf8")) as Kept;
    const files = kept.inputs.map(([f]) => f);
    if (kept.key === key && kept.inputs.every(([f, hash]) => contentHash(f) === hash) && projectDirs(files) === kept.dirs) {
      markUsed(file);
      return { code: kept.code, bytes: Buffer.byteLength(kept.code), inputs: files };
    }
  } catch {
    // none kept, or unreadable: build
  }
  const bundle = bundleProcessor(served, { stepsDir: opts.stepsDir });
  try {
    const kept: Kept = { key, inputs: bundle.inputs.map((f) => [f, contentHash(f) ?? ""] as const), dirs: projectDirs(bundle.inputs), code: bundle.code };
    fs.mkdirSync(cacheDir, { recursive: true });
    writeWhole(file, JSON.stringify(kept));
    keepRecent(cacheDir, KEPT_BUNDLES);
  } catch {
    // a cache that cannot be written costs the next run a build, nothing more
  }
  return bundle;
}
