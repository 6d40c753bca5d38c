import { runHandlerProfileBench } from "./handlerProfile";
import { runHandlerBench } from "./handlers.bench";
import { runIsolationBench } from "./isolation.bench";
import { runLocalBench } from "./local.bench";
import { runPatternBench } from "./pattern.bench";
import { runStartupBench } from "./startup.bench";
import { runStepColdStartBench } from "./stepColdStart.bench";

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
    console.log("\n2. Handler bundles: size, cold module init in a fresh process beside `node -e 0`, records/s through the handler (batches of 100)");
    console.table(await runHandlerBench());
  }
  if (!only || only === "step") {
    console.log("\n2b. A business step with the DynamoDB client and effects-once: cold start in fresh processes (Init, then the first batch), the SDK from the runtime or bundled, beside the seed's processor before effects-once");
    console.table(await runStepColdStartBench());
  }
  if (!only || only === "startup") {
    console.log("\n4. The command line: fresh processes, startup included (median of 7; 7 back-to-back pairs for 50,000 records; 3 for the local stack)");
    console.table(await runStartupBench());
  }
  if (!only || only === "local") {
    console.log("\n3. Local pipeline on DynamoDB Local: scenario writes, pipe drain, memory (ratios to DynamoDB Local's own rates)");
    console.table(await runLocalBench());
  }
  if ((!only && process.platform === "linux") || only === "isolation") {
    console.log("\n6. DynamoDB Local kept off the network: in its own network namespace behind a relay vs on every interface (median of 5, alternating)");
    console.table(await runIsolationBench());
  }
  // Only on request: it rewrites cost/handler-profile.json, the cost command's defaults.
  if (only === "cost") {
    console.log("\n5. Handler profile for `orders-pipeline cost` (written to cost/handler-profile.json)");
    console.table(await runHandlerProfileBench());
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
