import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT } from "./spawn";

/** The ```ts blocks of a README section (from its heading to the next `## `), in order: what a test applies as the README says. */
export function sectionBlocks(heading: string): string[] {
  const readme = fs.readFileSync(path.join(PROJECT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `the README has a section "${heading}"`);
  const rest = readme.slice(start + heading.length + 2);
  const end = rest.search(/\n## /);
  return [...(end < 0 ? rest : rest.slice(0, end)).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** The text of a README section, from its heading to the next `## `. */
export function sectionText(heading: string): string {
  const readme = fs.readFileSync(path.join(PROJECT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `the README has a section "${heading}"`);
  const rest = readme.slice(start);
  const end = rest.slice(1).search(/\n## /);
  return end < 0 ? rest : rest.slice(0, end + 1);
}
