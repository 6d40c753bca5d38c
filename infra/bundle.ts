import * as fs from "node:fs";
import * as path from "node:path";
import type { BuildOptions } from "esbuild";
import { projectPath } from "../config/paths";
import { DEFAULT_ROUTE_METRICS } from "../routing/route";

// Bundles a processor with esbuild into one minified CommonJS file. No closure serialization
// and no node_modules in the package: only what the handler imports. The entry is generated
// from the routes the processor serves (one import per business step), so a new route needs
// no handler file of its own. The AWS SDK's clients are left out because the nodejs24.x
// runtime ships AWS SDK v3: measured by `npm run bench step`, a DynamoDB step's Init is the
// same either way, its first batch faster and its bundle 164 KB instead of 593 KB (README,
// Performance). The small pure SDK helpers (util-dynamodb) are bundled and so pinned.

export const HANDLER_DIR = projectPath("handlers");
export const STEPS_DIR = path.join(HANDLER_DIR, "steps");
/**
 * Where the AWS SDK v3 clients come from: "runtime", the copy the nodejs24.x runtime ships
 * (every @aws-sdk/client-* left out of the bundle), or "bundled", built into it.
 */
export type SdkPackaging = "runtime" | "bundled";
export const SDK_PACKAGING: SdkPackaging = "runtime";
/** The modules left to the runtime, per packaging. */
export function externalModules(sdk: SdkPackaging): string[] {
  return sdk === "runtime" ? ["@aws-sdk/client-*"] : [];
}

/** A route served by a processor: its business step (a module of handlers/steps/) and the metrics it counts processed orders under. */
export interface ServedRoute {
  readonly route: string;
  readonly step: string;
  /** Default: DEFAULT_ROUTE_METRICS (routing/route.ts). */
  readonly metrics?: { readonly count: string; readonly amount: string };
}

export interface Bundle {
  /** The bundled JavaScript (CommonJS), to be saved as index.js. */
  readonly code: string;
  readonly bytes: number;
  /** Every source file built into it (absolute paths), for a cache of bundles (local/bundleCache.ts). */
  readonly inputs: readonly string[];
}

/** The files an esbuild build read, from its metafile (paths relative to the working directory; the generated entry is no file). */
function inputsOf(metafile: { inputs: Record<string, unknown> } | undefined): string[] {
  return Object.keys(metafile?.inputs ?? {})
    .map((input) => path.resolve(input))
    .filter((input) => fs.existsSync(input));
}

/** The value of the function's HANDLER_TAG: which steps its bundle holds (tag values allow letters, digits, spaces and _ . : / = + - @). */
export function stepsTag(served: readonly ServedRoute[]): string {
  return served.map((s) => `${s.route}=steps/${s.step}`).join(" ");
}

/** Reads a HANDLER_TAG value back; undefined if it is not one. */
export function parseStepsTag(tag: string): ServedRoute[] | undefined {
  const served = tag.split(" ").filter((s) => s !== "").map((part) => /^([a-z][a-zA-Z0-9]*)=steps\/([A-Za-z0-9_/-]+)$/.exec(part));
  if (served.length === 0 || served.some((m) => m === null)) return undefined;
  return served.map((m) => ({ route: (m as RegExpExecArray)[1], step: (m as RegExpExecArray)[2] }));
}

/** The generated entry: each route's step and metric names, handed to the shared Lambda shell (handlers/lambda.ts). */
function entrySource(served: readonly ServedRoute[], stepsDir: string): string {
  const imports = served.map((s, i) => `import { step as step${i} } from ${JSON.stringify(path.join(stepsDir, s.step))};`);
  const steps = served.map((s, i) => `${JSON.stringify(s.route)}: { step: step${i}, metrics: ${JSON.stringify(s.metrics ?? DEFAULT_ROUTE_METRICS)} }`).join(", ");
  return [`import { createHandler } from "./lambda";`, ...imports, `export const handler = createHandler({ ${steps} });`, ""].join("\n");
}

/** The name a processor's effects code (Powertools Idempotency) has in stack traces. */
export const EFFECTS_FILENAME = "effects.js";
const EFFECTS_RUNTIME = path.join(HANDLER_DIR, "effectsRuntime.ts");

/** What every processor build shares: one minified CommonJS file for Lambda's Node. */
const BUILD_OPTIONS = {
  bundle: true,
  minify: true,
  platform: "node",
  target: "es2022",
  format: "cjs",
  // The SDK's ES module builds (its "module" field) tree-shake: only the clients and
  // commands a step uses are bundled, not a whole client package's CommonJS build.
  mainFields: ["module", "main"],
  write: false,
  metafile: true,
  legalComments: "none",
  logLevel: "silent",
} as const satisfies BuildOptions;

/** esbuild, loaded when a bundle is built (~70 ms): a local run whose bundles are kept (local/bundleCache.ts) does not need it. */
function buildSync(options: BuildOptions & { write: false; metafile: true }) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("esbuild") as typeof import("esbuild")).buildSync(options);
}

const effectsCache = new Map<SdkPackaging, { code: string; inputs: string[] }>();

/** handlers/effectsRuntime.ts's modules, bundled on their own (CommonJS), as text. */
function effectsCode(sdk: SdkPackaging): { code: string; inputs: string[] } {
  const hit = effectsCache.get(sdk);
  if (hit !== undefined) return hit;
  const result = buildSync({ ...BUILD_OPTIONS, entryPoints: [EFFECTS_RUNTIME], external: externalModules(sdk) });
  const built = { code: result.outputFiles[0].text, inputs: inputsOf(result.metafile) };
  effectsCache.set(sdk, built);
  return built;
}

/** How the processor's code imports handlers/effectsRuntime.ts; left external, then replaced (effectsAsText). */
const EFFECTS_IMPORT = "./effectsRuntime";

/**
 * In the processor's bundle, handlers/effectsRuntime.ts becomes its own bundle kept as a
 * string, compiled (as Node compiles a CommonJS module, under EFFECTS_FILENAME) on its first
 * load: V8 pre-parses every function of a script when it loads it, but only scans a string.
 * Measured with `npm run bench handlers`: module init ~31 → ~27 ms here (README, Performance). (esbuild's plugins,
 * which could load it so, do not work with buildSync; the import is left external instead
 * and replaced here, exactly once.)
 */
function effectsAsText(code: string, effects: string): string {
  const call = `require(${JSON.stringify(EFFECTS_IMPORT)})`;
  const at = code.indexOf(call);
  if (at < 0 || code.indexOf(call, at + 1) >= 0) throw new Error(`bundling: expected one ${call} in the processor's code`);
  const loader = [
    `(()=>{let loaded;return{loadEffectsRuntime(){if(loaded)return loaded;`,
    `const effects={exports:{}};`,
    `const vm=require("node:vm");`,
    // Its import() calls (the SDK's of node:http, when bundled) load as the processor's own do.
    `vm.runInThisContext("(function (exports, require, module) {"+${JSON.stringify(effects)}+"\\n})",{filename:${JSON.stringify(EFFECTS_FILENAME)},importModuleDynamically:vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER})(effects.exports,require,effects);`,
    `return loaded=effects.exports.loadEffectsRuntime()}}})()`,
  ].join("");
  return code.slice(0, at) + loader + code.slice(at + call.length);
}

const cache = new Map<string, Bundle>();

/** Where the program's processors get their bundles, when not built here (useKeptBundles). */
let keptBundles: ((served: readonly ServedRoute[]) => Bundle) | undefined;

/**
 * The program evaluated outside Pulumi (local/evaluateProgram.ts: `local`, after an edit)
 * takes its processors' bundles from local/bundleCache.ts, which builds only what changed: the
 * evaluation and the run then share one build, or none (~0.4 s of esbuild each). Under
 * `pulumi preview` and `pulumi up` nothing sets this: deploys build afresh.
 */
export function useKeptBundles(source: ((served: readonly ServedRoute[]) => Bundle) | undefined): void {
  keptBundles = source;
}

/** The bundle of a processor the program declares (infra/processorWithDlq.ts). */
export function programBundle(served: readonly ServedRoute[]): Bundle {
  return keptBundles ? keptBundles(served) : bundleProcessor(served);
}

/** Bundles the processor serving `served`; cached per process (preview builds each processor once). */
export function bundleProcessor(served: readonly ServedRoute[], opts: { sdk?: SdkPackaging; /** Tests only: steps from elsewhere than handlers/steps/. */ stepsDir?: string } = {}): Bundle {
  const sdk = opts.sdk ?? SDK_PACKAGING;
  const stepsDir = opts.stepsDir ?? STEPS_DIR;
  const key = JSON.stringify([served, sdk, stepsDir]);
  const hit = cache.get(key);
  if (hit) return hit;
  for (const s of served) {
    const file = path.join(stepsDir, `${s.step}.ts`);
    if (!fs.existsSync(file)) {
      throw new Error(`route ${s.route}: its step ${JSON.stringify(s.step)} (routing/routes.ts) has no module ${path.relative(projectPath(), file)}; create it, exporting step: OrderHandler`);
    }
  }
  const result = buildSync({
    ...BUILD_OPTIONS,
    stdin: { contents: entrySource(served, stepsDir), resolveDir: HANDLER_DIR, sourcefile: "processor-entry.ts", loader: "ts" },
    // With the SDK bundled, the effects code stays inline: as a bundle of its own it would
    // carry a second copy of the DynamoDB client (measured: 926 KB instead of ~590 KB).
    external: sdk === "runtime" ? [...externalModules(sdk), EFFECTS_IMPORT] : externalModules(sdk),
  });
  const effects = sdk === "runtime" ? effectsCode(sdk) : undefined;
  const code = effects ? effectsAsText(result.outputFiles[0].text, effects.code) : result.outputFiles[0].text;
  const inputs = [...new Set([...inputsOf(result.metafile), ...(effects?.inputs ?? [])])].sort();
  const bundle = { code, bytes: Buffer.byteLength(code), inputs };
  cache.set(key, bundle);
  return bundle;
}
