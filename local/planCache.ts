import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isEncrypted } from "../config/secrets";
import { PROJECT_DIR, readStackFile, stackFilePath } from "../config/stackFile";
import { type LocalPlan, planFromDeclared } from "./plan";
import { keepRecent, markUsed } from "./keptFiles";
import { writeWhole } from "./writeWhole";

// The local runtime's plan is what the program declares (evaluated under Pulumi's mocks):
// ~1.4 s of CPU that competes with the JVM's start on every `npm start`. It depends only on
// the project's files, the stack and the config overrides, so it is kept on disk, keyed by
// all of them: any edit (a source, the stack's file, the lock file) changes a file's size or
// mtime and the program is evaluated again. Other stacks' files are not part of it: a
// program reads only its own stack's config, so editing prod's file keeps dev's plan.
// Each stack, set of overrides and project directory (a copy may share node_modules) has its
// own file, the KEPT_PLANS most recently used kept. Only a plan that was made is kept; an evaluation
// that fails (a config error naming its key) fails every time. A plan may hold config values
// (a step's settings are its processor's environment): a stack with secrets or ESC
// environments is never kept on disk, it is evaluated at every start.

/** What the plan is not made of: installed modules, build output, local state, VCS, tests and benches. */
const NOT_THE_PROGRAM = new Set(["node_modules", "dist", ".git", ".orders-local", "tests", "bench"]);

/** Another stack's file (Pulumi.<other>.yaml beside Pulumi.yaml): not read by `stack`'s program. */
function otherStackFile(name: string, stack: string): boolean {
  return /^Pulumi\..+\.yaml$/.test(name) && name !== path.basename(stackFilePath(stack));
}

/**
 * Every file of the program's project, as name → size:mtime (the same test cli/build.js makes
 * for its build); with `stack`, without the other stacks' files.
 */
export function projectFingerprint(dir = PROJECT_DIR, stack?: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!(rel === "" && NOT_THE_PROGRAM.has(entry.name))) walk(name);
      } else if (entry.isFile() && !(rel === "" && stack !== undefined && otherStackFile(entry.name, stack))) {
        const st = fs.statSync(path.join(dir, name));
        files[name] = `${st.size}:${st.mtimeMs}`;
      }
    }
  };
  walk("");
  return files;
}

export interface PlanCacheOptions {
  readonly dir?: string;
  readonly cacheDir?: string;
}

/** Whether the stack file has a `secure:` value or imports ESC environments (whose values may be secrets); unreadable counts as yes. */
function holdsSecrets(stack: string, dir: string): boolean {
  try {
    const file = readStackFile(stack, dir);
    return file.environments.length > 0 || Object.values(file.config).some((v) => typeof v === "string" && isEncrypted(v));
  } catch {
    return true; // the evaluation says what is wrong with it
  }
}

/** How many plans are kept (a few KB each), the most recently used. */
export const KEPT_PLANS = 20;

const cacheDirOf = (dir: string) => path.join(dir, "node_modules", ".cache", "orders-plan");

/**
 * The stack's plan: the one kept for exactly these files, stack and overrides, or a new one
 * from `evaluate` (then kept).
 */
export async function cachedPlan(
  stack: string,
  overrides: Readonly<Record<string, string | undefined>>,
  evaluate: () => Promise<LocalPlan>,
  opts: PlanCacheOptions = {},
): Promise<LocalPlan> {
  const dir = opts.dir ?? PROJECT_DIR;
  if (holdsSecrets(stack, dir)) return evaluate();
  const cacheDir = opts.cacheDir ?? cacheDirOf(dir);
  const sha256 = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");
  const entry = { dir, stack, overrides: Object.entries(overrides).sort() };
  const key = sha256({ version: 2, ...entry, files: projectFingerprint(dir, stack) });
  const file = path.join(cacheDir, `${stack.replace(/[^\w.-]/g, "_")}-${sha256(entry).slice(0, 16)}.json`);
  try {
    const kept = JSON.parse(fs.readFileSync(file, "utf8")) as { key?: string; plan?: LocalPlan };
    if (kept.key === key && kept.plan) {
      markUsed(file);
      return kept.plan;
    }
  } catch {
    // none kept yet, or unreadable: evaluate
  }
  const plan = await evaluate();
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    // A concurrent start reads a whole plan or none.
    writeWhole(file, JSON.stringify({ key, plan }));
    keepRecent(cacheDir, KEPT_PLANS);
  } catch {
    // A cache that cannot be written costs the next start its evaluation, nothing more.
  }
  return plan;
}

/** The stack's local plan, kept or evaluated (the Pulumi SDK is loaded only to evaluate). */
export function planOf(stack: string, overrides: Readonly<Record<string, string | undefined>> = {}): Promise<LocalPlan> {
  return cachedPlan(stack, overrides, async () => {
    const { evaluateProgram } = await import("./evaluateProgram");
    return planFromDeclared(await evaluateProgram(stack, overrides));
  });
}
