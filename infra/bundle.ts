import * as path from "node:path";
import { buildSync } from "esbuild";
import { projectPath } from "../config/paths";

// Bundles a handler with esbuild into one minified CommonJS file. No closure serialization
// and no node_modules in the package: only what the handler imports. The AWS SDK's SQS
// client is left out because the nodejs24.x runtime ships AWS SDK v3 (bundling it alone
// would add ~450 KB); the small pure SDK helpers (util-dynamodb) are bundled and so pinned.

export const HANDLER_DIR = projectPath("handlers");
export const RUNTIME_PROVIDED = ["@aws-sdk/client-sqs"];

export interface Bundle {
  /** The bundled JavaScript (CommonJS), to be saved as index.js. */
  readonly code: string;
  readonly bytes: number;
}

const cache = new Map<string, Bundle>();

/** Bundles `handlers/<entry>.ts`; cached per process (preview builds each handler once). */
export function bundleHandler(entry: string): Bundle {
  const hit = cache.get(entry);
  if (hit) return hit;
  const result = buildSync({
    entryPoints: [path.join(HANDLER_DIR, `${entry}.ts`)],
    bundle: true,
    minify: true,
    platform: "node",
    target: "es2022",
    format: "cjs",
    external: RUNTIME_PROVIDED,
    write: false,
    legalComments: "none",
    logLevel: "silent",
  });
  const code = result.outputFiles[0].text;
  const bundle = { code, bytes: Buffer.byteLength(code) };
  cache.set(entry, bundle);
  return bundle;
}
