import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./paths";
import type { StackFile } from "./stackFile";

// The last successful read of each stack file, kept with the text it was read from, so that a
// command whose stack file did not change never loads the YAML library (~12 ms of a `route`
// start, about a sixth of it; issue 20). The text itself is the key: any edit, even one that
// keeps the size and the modification time, is parsed again. A failed read is never kept, so
// a bad file says what is wrong every time. Entries go to one of 64 slots by the file's path
// (two files in one slot replace each other's entry, which costs a parse): the tests and
// copies of the project make stack files by the hundred, so the directory must not grow with
// them. Nothing is kept where the project has no node_modules (a bare checkout).

const NODE_MODULES = path.join(PROJECT_DIR, "node_modules");
const KEPT_DIR = path.join(NODE_MODULES, ".cache", "orders-stack-files");

const SLOTS = 64;

/** The slot of a stack file: FNV-1a of its path (no crypto module to load for it). */
function entryFile(file: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) hash = Math.imul(hash ^ file.charCodeAt(i), 0x01000193);
  return path.join(KEPT_DIR, `${(hash >>> 0) % SLOTS}.json`);
}

const isStrings = (value: unknown): value is Record<string, string> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");

/** The kept read of `file` if it was read from exactly `text`. */
export function keptRead(file: string, text: string): StackFile | undefined {
  let entry: { file?: unknown; text?: unknown; read?: Partial<StackFile> };
  try {
    entry = JSON.parse(fs.readFileSync(entryFile(file), "utf8"));
  } catch {
    return undefined; // none yet, or unreadable: read the file
  }
  const read = entry?.read;
  if (entry.file !== file || entry.text !== text || typeof read?.name !== "string" || !isStrings(read.config) || !Array.isArray(read.environments)) return undefined;
  return { name: read.name, config: read.config, environments: read.environments.map(String) };
}

/** Keeps a successful read of `file` from `text`; best effort (a read-only install keeps nothing). */
export function keepRead(file: string, text: string, read: StackFile): void {
  if (!fs.existsSync(NODE_MODULES)) return;
  const target = entryFile(file);
  const partial = `${target}.${process.pid}.partial`;
  try {
    fs.mkdirSync(KEPT_DIR, { recursive: true });
    // Whole or not at all: a concurrent command reads either entry, never half of one.
    fs.writeFileSync(partial, JSON.stringify({ file, text, read }));
    fs.renameSync(partial, target);
  } catch {
    fs.rmSync(partial, { force: true });
  }
}
