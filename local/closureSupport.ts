import Module from "node:module";
import * as path from "node:path";

// Pulumi's SDK loads, with its first require, two libraries it needs only to serialize a
// JavaScript function into a Lambda's code (`pulumi.runtime.serializeFunction`,
// `aws.lambda.CallbackFunction`): TypeScript's compiler, through its typescript-shim, and npm's
// Arborist, through runtime/closure/codePaths. Measured here: `require("@pulumi/pulumi")` takes
// ~1.3 s of CPU with them and ~0.5 s without, and every evaluation of the program paid it
// (`local` and `dlq` after an edit), though our program bundles its handlers with esbuild.
// Pulumi means TypeScript to load only when needed (pulumi/pulumi#10185; its tsutils.js still
// requires the shim lazily), but runtime/closure/parseFunction.js and codePaths.js require them
// at their top. Here each loads at its first use instead, so a program that does serialize a
// function still works (tests/closureSupport.test.ts).

/** Puts a stand-in for `file` in the module cache that loads the real module at its first use. */
function deferLoad(file: string): void {
  if (require.cache[file]) return; // already loaded: nothing to save
  let real: any;
  const load = () => {
    if (real === undefined) {
      delete require.cache[file];
      real = require(file);
    }
    return real;
  };
  const standIn = new Module(file);
  standIn.filename = file;
  standIn.loaded = true;
  standIn.exports = new Proxy(
    {},
    {
      // codePaths.js imports Arborist through `__importStar`, which would copy every property
      // (loading it) unless the module says it is an ES module: only then is the stand-in kept.
      get: (_, key) => (key === "__esModule" && real === undefined ? true : Reflect.get(load(), key)),
      has: (_, key) => Reflect.has(load(), key),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const d = Reflect.getOwnPropertyDescriptor(load(), key);
        return d && { ...d, configurable: true };
      },
    },
  );
  require.cache[file] = standIn;
}

/**
 * Defers Pulumi's closure-serialization libraries, for the @pulumi/pulumi this project loads.
 * Runs when this module is first imported, which must be before anything requires
 * @pulumi/pulumi; later, or with a Pulumi laid out differently, it does nothing and everything
 * loads as before.
 */
function deferClosureSupport(): void {
  let shim: string;
  let arborist: string;
  try {
    shim = require.resolve("@pulumi/pulumi/typescript-shim");
    arborist = require.resolve("@npmcli/arborist", { paths: [path.dirname(require.resolve("@pulumi/pulumi/runtime/closure/codePaths"))] });
  } catch {
    return;
  }
  if (require.cache[path.join(path.dirname(shim), "index.js")]) return; // the SDK is loaded
  deferLoad(shim);
  deferLoad(arborist);
}

deferClosureSupport();
