// The Node versions the command runs on: those package.json's "engines" names. Checked before
// anything else loads, so that an older Node gets one line saying what to install instead of
// a failure deep inside a run (Node 20 has no compile cache API in node:module, for one, and
// `npm ci` only warns about engines). Plain JavaScript: it runs before the build.
"use strict";
const satisfiesRange = require("semver/functions/satisfies");

/** Whether Node `version` ("22.11.0") is in the engines `range`, as npm reads it; a pre-release counts as its line's. */
function satisfies(version, range) {
  return satisfiesRange(version, range, { includePrerelease: true });
}

/** The line to print when this Node is not one engines names; undefined when it is. */
function unsupportedNode(version, range) {
  if (satisfies(version, range)) return undefined;
  const majors = [...range.matchAll(/\^(\d+)/g)].map((m) => m[1]);
  const install = majors.length > 0 ? `Node ${majors.length > 1 ? `${majors.slice(0, -1).join(", ")} or ` : ""}${majors[majors.length - 1]}` : "a Node in that range";
  return `orders-pipeline needs Node ${range} (package.json "engines"); this is Node ${version}. Install ${install} (https://nodejs.org/), then run the command again.`;
}

module.exports = { satisfies, unsupportedNode };
