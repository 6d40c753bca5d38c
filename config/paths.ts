import * as fs from "node:fs";
import * as path from "node:path";

// The project's root (the directory holding Pulumi.yaml), found from this file's location so
// that it is the same whether the code runs from the TypeScript sources (Pulumi, tests) or from
// the CLI's build in dist/ (cli/build.js), which mirrors the source tree one level deeper.

function findProjectDir(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${start}: cannot find the project directory`);
  }
}

export const PROJECT_DIR = findProjectDir(__dirname);

/** A path inside the project, e.g. projectPath("handlers") */
export function projectPath(...parts: string[]): string {
  return path.join(PROJECT_DIR, ...parts);
}
