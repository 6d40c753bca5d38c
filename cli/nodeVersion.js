// The Node versions the command runs on: those package.json's "engines" names. Checked before
// anything else loads, so that an older Node gets one line saying what to install instead of
// a failure deep inside a run (Node 20 has no compile cache API in node:module, for one, and
// `npm ci` only warns about engines). Plain JavaScript: it runs before the build.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** Whether Node `version` ("22.11.0") is in the engines `range`, as npm reads it; a pre-release counts as its line's. */
function satisfies(version, range) {
  return require("semver/functions/satisfies")(version, range, { includePrerelease: true });
}

/** The line to print when this Node is not one engines names; undefined when it is. */
function unsupportedNode(version, range) {
  if (satisfies(version, range)) return undefined;
  const majors = [...range.matchAll(/\^(\d+)/g)].map((m) => m[1]);
  const install = majors.length > 0 ? `Node ${majors.length > 1 ? `${majors.slice(0, -1).join(", ")} or ` : ""}${majors[majors.length - 1]}` : "a Node in that range";
  return `orders-pipeline needs Node ${range} (package.json "engines"); this is Node ${version}. Install ${install} (https://nodejs.org/), then run the command again.`;
}

/**
 * unsupportedNode, with the last Node and range that passed kept in `keptFile`: loading semver
 * took ~20 ms of every command's start here, for the same answer each time. The file holds
 * the pair, so another Node or another range is checked again.
 */
function checkNode(version, range, keptFile) {
  const pair = `${version} ${range}`;
  try {
    if (fs.readFileSync(keptFile, "utf8") === pair) return undefined;
  } catch {
    // nothing kept yet
  }
  const problem = unsupportedNode(version, range);
  if (problem === undefined) {
    try {
      fs.mkdirSync(path.dirname(keptFile), { recursive: true });
      fs.writeFileSync(keptFile, pair);
    } catch {
      // not kept: checked again next time
    }
  }
  return problem;
}

module.exports = { satisfies, unsupportedNode, checkNode };
