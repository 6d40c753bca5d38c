import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE, parseSettings, type StackSettings } from "./settings";

// Reads a stack's config file directly, for the tools that run without the Pulumi engine
// (the `route` command, tests). Same keys, same validation as the Pulumi program.

export const PROJECT_DIR = path.resolve(__dirname, "..");

export function stackFilePath(stack: string, dir = PROJECT_DIR): string {
  return path.join(dir, `Pulumi.${stack}.yaml`);
}

/** All config values of a stack file as Pulumi hands them to a program: `ns:key` → string (JSON for lists/objects). */
export function readStackConfig(stack: string, dir = PROJECT_DIR): Record<string, string> {
  const file = stackFilePath(stack, dir);
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`stack name ${JSON.stringify(stack)} is not a valid Pulumi stack name`);
  if (!fs.existsSync(file)) throw new Error(`no stack ${JSON.stringify(stack)}: ${path.basename(file)} does not exist in ${dir}`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

export function loadStackFileSettings(stack: string, dir = PROJECT_DIR): StackSettings {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(readStackConfig(stack, dir))) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
  }
  return parseSettings(raw, path.basename(stackFilePath(stack, dir)));
}
