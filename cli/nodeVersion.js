// The Node versions the command runs on: those package.json's "engines" names. Checked before
// anything else loads, so that an older Node gets one line saying what to install instead of
// a failure deep inside a run (Node 20 has no compile cache API in node:module, for one, and
// `npm ci` only warns about engines). Plain JavaScript: it runs before the build.
"use strict";

/**
 * Whether `version` ("22.11.0") is in `range`, an engines range of caret alternatives
 * ("^22.9.0 || ^24"). An alternative of another form counts as satisfied: npm's own engine
 * check then has the last word, never this one.
 */
function satisfies(version, range) {
  // parseInt: a pre-release ("24.0.0-rc.1") counts as its version.
  const [major, minor, patch] = version.split(".").map((n) => parseInt(n, 10));
  return range.split("||").some((alternative) => {
    const caret = /^\s*\^(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(alternative);
    if (!caret) return true;
    const [wantMajor, wantMinor, wantPatch] = caret.slice(1).map((n) => Number(n ?? 0));
    return major === wantMajor && (minor > wantMinor || (minor === wantMinor && patch >= wantPatch));
  });
}

/** The line to print when this Node is not one engines names; undefined when it is. */
function unsupportedNode(version, range) {
  if (satisfies(version, range)) return undefined;
  const majors = [...range.matchAll(/\^(\d+)/g)].map((m) => m[1]);
  const install = majors.length > 0 ? `Node ${majors.length > 1 ? `${majors.slice(0, -1).join(", ")} or ` : ""}${majors[majors.length - 1]}` : "a Node in that range";
  return `orders-pipeline needs Node ${range} (package.json "engines"); this is Node ${version}. Install ${install} (https://nodejs.org/), then run the command again.`;
}

module.exports = { satisfies, unsupportedNode };
