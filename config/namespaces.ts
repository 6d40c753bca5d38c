import { isEncrypted, UnreadSecret } from "./secrets";
import { CONFIG_NAMESPACE, ConfigError, parseSettings, shown, type Source, sourceOf, type StackSettings } from "./settings";
import { closest } from "./suggest";

// Which config keys are this program's. Pulumi stores a key typed without a namespace
// (`pulumi config set batchSize 25`) under the project's name (Pulumi docs, Configuration:
// "Configuration keys"), and the project is named after CONFIG_NAMESPACE (Pulumi.yaml), so
// such a key lands where the program reads it. A real stack also carries keys of other
// providers, of stack references and of ESC environments: those are theirs, and pass. Refused
// are the namespaces that look like a slip for this program's (or for the AWS provider's or
// Pulumi's own, whose keys are case-sensitive too): such a key would be read by nobody.

/** Namespaces read by others that this program knows of: the AWS provider (aws:region, aws:defaultTags) and the engine. */
export const OTHER_NAMESPACES = ["aws", "pulumi"] as const;

/** This program's name on npm and on the command line: a namespace people type by mistake. */
const PACKAGE_NAME = "orders-pipeline";

/** The namespace `namespace` was most likely meant to be, if it looks like a slip; undefined if it is someone else's. */
export function namespaceSlip(namespace: string): string | undefined {
  const lower = namespace.toLowerCase();
  for (const known of [CONFIG_NAMESPACE, ...OTHER_NAMESPACES]) {
    if (namespace !== known && lower === known) return known; // another case
  }
  if (namespace === CONFIG_NAMESPACE) return undefined;
  if (lower.replace(/[-_.\s]/g, "") === PACKAGE_NAME.replace(/-/g, "")) return CONFIG_NAMESPACE;
  return closest(namespace, [CONFIG_NAMESPACE]); // a typo: `order`, `ordres`
}

/**
 * The stack's settings from config as Pulumi passes it (`ns:key` → string), the same for the
 * program (pulumi.runtime.allConfig()) and the tools (config/stackFile.ts). Throws a
 * ConfigError listing every problem once, each naming the key and where it came from.
 */
export function settingsFromConfig(config: Readonly<Record<string, string>>, source: Source): StackSettings {
  const problems: string[] = [];
  const raw: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(config)) {
    const colon = key.indexOf(":");
    const namespace = colon < 0 ? "" : key.slice(0, colon);
    const name = key.slice(colon + 1);
    if (namespace === CONFIG_NAMESPACE) {
      raw[name] = isEncrypted(value) ? new UnreadSecret(key) : value;
      continue;
    }
    const meant = namespaceSlip(namespace);
    if (meant) {
      problems.push(
        `${shown(key)} in ${sourceOf(source, key)}: the namespace ${JSON.stringify(namespace)} is read by nothing here (config keys are case-sensitive); did you mean ${meant}:${shown(name)}?`,
      );
    }
  }
  let settings: StackSettings;
  try {
    settings = parseSettings(raw, source);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError([...problems, ...err.problems]);
    throw err;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}
