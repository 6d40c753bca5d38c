import * as fs from "node:fs";
import * as path from "node:path";
import type { Document, Node } from "yaml";
import { PROJECT_DIR } from "./paths";
import { keptRead, keepRead } from "./stackFileKept";
import { settingsFromConfig } from "./namespaces";
import { shown, type StackSettings } from "./settings";

// The one reader of Pulumi.<stack>.yaml for the tools that run without the Pulumi engine (the
// CLI, the local runtime, tests). It hands the program's settings code the same `ns:key` →
// string map that Pulumi hands a program (config/namespaces.ts), and refuses, naming the file
// and line, what Pulumi itself would refuse or misread.

export { PROJECT_DIR };

/** A stack file that cannot be read as Pulumi would; the message names the file (and line). */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

export function stackFilePath(stack: string, dir = PROJECT_DIR): string {
  return path.join(dir, `Pulumi.${stack}.yaml`);
}

/** A stack file as the tools read it. */
export interface StackFile {
  /** The file's name, Pulumi.<stack>.yaml, for messages. */
  readonly name: string;
  /** `ns:key` → string, as Pulumi passes config to a program (see readStackConfig). */
  readonly config: Record<string, string>;
  /**
   * The ESC environments the stack imports (its `environment:` key: a list of names, or an
   * inline definition with `imports:`, whose own `values:` are named "inline values"). Pulumi
   * opens them for `pulumi preview`; a tool reading the file cannot.
   */
  readonly environments: readonly string[];
}

// The YAML library is loaded only to read a stack file whose text changed since its last read
// (config/stackFileKept.ts): loading and running its cold code was ~12 ms of a command's start.
type Yaml = typeof import("yaml");
let yamlLibrary: Yaml | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = (): Yaml => (yamlLibrary ??= require("yaml") as Yaml);

function kindOf(node: unknown): string {
  const { isMap, isScalar } = yaml();
  if (node === null || node === undefined) return "empty";
  if (isScalar(node)) return node.value === null ? "null" : `the ${typeof node.value} ${node.source ?? String(node.value)}`;
  if (isMap(node)) return "a mapping";
  return "a list";
}

/**
 * All config values of a stack file as Pulumi passes them to a program: `ns:key` → string,
 * lists and mappings as JSON. Scalars keep their spelling (`1e400` stays "1e400", not a float
 * that JSON would turn into null), so a wrong value is reported as written. An encrypted value
 * stays the JSON of its `secure:` mapping (config/secrets.ts).
 */
export function readStackConfig(stack: string, dir = PROJECT_DIR): Record<string, string> {
  return readStackFile(stack, dir).config;
}

/** A node's value with aliases resolved; the YAML library refuses an alias expansion bomb. */
function toJS(node: Node, doc: Document, what: string): unknown {
  try {
    return node.toJS(doc);
  } catch (err) {
    throw new StackFileError(`${what}: ${(err as Error).message}`);
  }
}

function environmentNames(node: unknown, doc: Document): string[] {
  if (node === undefined || node === null) return [];
  const value = toJS(node as Node, doc, "environment");
  if (typeof value === "string") return [value];
  const nameOf = (entry: unknown) =>
    typeof entry === "string" ? entry : typeof entry === "object" && entry !== null ? Object.keys(entry).join(", ") : JSON.stringify(entry);
  if (Array.isArray(value)) return value.map(nameOf);
  if (typeof value === "object" && value !== null) {
    const { imports, values } = value as { imports?: unknown; values?: unknown };
    return [...(Array.isArray(imports) ? imports.map(nameOf) : []), ...(values !== undefined && values !== null ? ["inline values"] : [])];
  }
  return [JSON.stringify(value)];
}

/**
 * The stack file's config and the environments it imports; see readStackConfig. The file is
 * read every time; parsed only when its text differs from the last successful read's.
 */
export function readStackFile(stack: string, dir = PROJECT_DIR): StackFile {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new StackFileError(`stack name ${JSON.stringify(stack)} is not a valid Pulumi stack name`);
  const file = stackFilePath(stack, dir);
  const name = path.basename(file);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new StackFileError(`no stack ${JSON.stringify(stack)}: ${name} does not exist in ${dir}`);
    throw new StackFileError(`${name}: ${(err as Error).message}`);
  }
  const kept = keptRead(file, text);
  if (kept) return kept;
  const read = parseStackFile(name, text);
  keepRead(file, text, read);
  return read;
}

function parseStackFile(name: string, text: string): StackFile {
  const { isAlias, isMap, isScalar, LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  // uniqueKeys (the default) makes a repeated key an error, as Pulumi refuses it too.
  // An alias (`orders:premiumMinAmount: *min`) is read as the value it names, as Pulumi's YAML
  // decoder (go-yaml, decoding into Go values) reads it.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : undefined);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new StackFileError(`${name} line ${lines.linePos(e.pos[0]).line}: ${e.message.split("\n")[0]}`);
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) throw new StackFileError(`${name} is empty; a stack file is a mapping with a config: section`);
  if (!isMap(root)) throw new StackFileError(`${name} line ${lineOf(root)}: the top level is ${kindOf(root)}; a stack file is a mapping with a config: section`);
  const environments = environmentNames(root.get("environment", true), doc);
  const config = root.get("config", true) as Node | null | undefined;
  if (config === undefined) return { name, config: {}, environments };
  if (!isMap(config)) throw new StackFileError(`${name} line ${lineOf(config) ?? lineOf(root)}: config is ${kindOf(config)}; it must be a mapping of namespace:key to value`);
  const out: Record<string, string> = {};
  for (const pair of config.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const at = `${name} line ${lineOf(pair.key as Node)}`;
    if (key === undefined) throw new StackFileError(`${at}: a config key must be a plain name such as orders:batchSize`);
    if (!key.includes(":")) {
      // Pulumi itself refuses a key without a namespace in a stack file.
      throw new StackFileError(`${at}: config key ${shown(key)} has no namespace; write it as <namespace>:${shown(key)} (this program's keys are orders:${shown(key)})`);
    }
    const written = pair.value as Node | null;
    const value = isAlias(written) ? (written.resolve(doc) as Node | undefined) : written;
    if (value === undefined) throw new StackFileError(`${at}: ${shown(key)} is *${(written as { source: string }).source}, an alias that names no anchor before it`);
    if (value === null || (isScalar(value) && value.value === null)) {
      throw new StackFileError(`${at}: ${shown(key)} has no value; give it one or remove the line`);
    }
    out[key] = isScalar(value)
      ? typeof value.value === "string"
        ? value.value
        : (value.source ?? String(value.value))
      : JSON.stringify(toJS(value, doc, `${at}: ${key}`));
  }
  return { name, config: out, environments };
}

export function loadStackFileSettings(stack: string, dir = PROJECT_DIR): StackSettings {
  return settingsFromConfig(readStackConfig(stack, dir), path.basename(stackFilePath(stack, dir)));
}
