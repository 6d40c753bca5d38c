import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT } from "./spawn";

// The README's "Replace the business step" change, made in a copy of the project exactly as
// the section says: examples/fulfilment/acceptOrder.ts becomes the normal route's step, and
// examples/fulfilment/stepNeeds.ts replaces index.ts's empty STEP_NEEDS. Two files touched.

export const EXAMPLE_DIR = path.join(PROJECT, "examples", "fulfilment");
export const EMPTY_STEP_NEEDS = "const STEP_NEEDS: StepNeeds = {};";

export function wireFulfilmentExample(dir: string): void {
  fs.copyFileSync(path.join(EXAMPLE_DIR, "acceptOrder.ts"), path.join(dir, "handlers", "steps", "acceptOrder.ts"));
  const indexFile = path.join(dir, "index.ts");
  const index = fs.readFileSync(indexFile, "utf8");
  if (!index.includes(EMPTY_STEP_NEEDS)) throw new Error(`index.ts no longer has the line the example replaces: ${EMPTY_STEP_NEEDS}`);
  fs.writeFileSync(indexFile, index.replace(EMPTY_STEP_NEEDS, fs.readFileSync(path.join(EXAMPLE_DIR, "stepNeeds.ts"), "utf8").trimEnd()));
}
