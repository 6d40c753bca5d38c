import { runHandlerBench } from "./handlers.bench";
import { runLocalBench } from "./local.bench";
import { runPatternBench } from "./pattern.bench";

// `npm run bench`: every performance figure the project reports, as ratios measured in the
// same run (never from a timed unit test).
async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const only = process.argv[2];
  if (!only || only === "pattern") {
    console.log("\n1. Filter matching vs JSON.parse (1000 realistic stream records)");
    console.table(runPatternBench());
  }
  if (!only || only === "handlers") {
    console.log("\n2. Handler bundles: size, module init, records/s through the handler (batches of 100)");
    console.table(await runHandlerBench());
  }
  if (!only || only === "local") {
    console.log("\n3. Local pipeline on DynamoDB Local: scenario writes, pipe drain, memory (ratios to DynamoDB Local's own rates)");
    console.table(await runLocalBench());
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
