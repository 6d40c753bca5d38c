// Loaded by mocha before any test (.mocharc.js). The AWS SDK warns once per process that
// its releases after January 2027 need Node 22. The project supports Node 22 and 24 (where the
// SDK says nothing); this keeps a quick run on an older Node, as on the development machine
// (Node 20), free of that line in the output the tests compare.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// Each test process (mocha runs files in parallel workers) keeps its local stacks' state files
// in a directory of its own: two workers may each run `local --watch --stack dev`, and a
// developer's own running watch is never mistaken for a test's. Spawned commands inherit it.
import { tempDir } from "./support/tempDir";
// Mocha's workers inherit the main process's environment: a directory set by another test
// process (its pid in ORDERS_TEST_STATE_OWNER) is replaced by one of this process's own.
const owner = process.env.ORDERS_TEST_STATE_OWNER;
if (!process.env.ORDERS_LOCAL_STATE_DIR || (owner !== undefined && owner !== String(process.pid))) {
  const dir = tempDir("orders-local-state-");
  process.env.ORDERS_LOCAL_STATE_DIR = dir;
  process.env.ORDERS_TEST_STATE_OWNER = String(process.pid); // removed at this process's exit
}
