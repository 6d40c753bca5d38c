#!/usr/bin/env node
// The `orders-pipeline` command. Runs the TypeScript sources directly (type-checked by
// `npm test`), so there is no build step between a change and the command.
// The AWS SDK warns that its 2027 releases need Node 22; this tool supports Node 20 today.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
require("./main")
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; })
  .catch((err) => {
    process.stderr.write(`orders-pipeline: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 2;
  });
