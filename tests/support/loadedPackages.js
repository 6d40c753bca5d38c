// Preloaded (`node -r`) into a command the tests run: as the process exits, its last stderr line
// names the packages it loaded, so a test can hold a command to what it needs.
"use strict";
process.on("exit", () => {
  const packages = new Set();
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file.slice(file.lastIndexOf("node_modules")));
    if (m) packages.add(m[1].replace(/\\/g, "/"));
  }
  process.stderr.write(`loaded packages: ${JSON.stringify([...packages].sort())}\n`);
});
