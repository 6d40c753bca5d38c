// Loaded by mocha before any test (.mocharc.json). The AWS SDK warns once per process that
// its releases after January 2027 need Node 22; the local tools run on Node 20 by design.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
