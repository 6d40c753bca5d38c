// Loaded by mocha before any test (.mocharc.json). The AWS SDK warns once per process that
// its releases after January 2027 need Node 22. The project supports Node 22 and 24 (where the
// SDK says nothing); this keeps a quick run on an older Node, as on the development machine
// (Node 20), free of that line in the output the tests compare.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
