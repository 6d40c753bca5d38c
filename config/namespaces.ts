import { closest } from "./suggest";
import { CONFIG_NAMESPACE, ConfigError, parseSettings, type StackSettings } from "./settings";

// Which config keys are this program's. Pulumi stores a key typed without a namespace
// (`pulumi config set batchSize 25`) under the project's name (Pulumi docs, Configuration:
// "Configuration keys"), and the project is named after CONFIG_NAMESPACE (Pulumi.yaml), so
// such a key lands where the program reads it. Keys of the providers and of Pulumi itself are
// left to them; a key in any other namespace is a mistake and is refused, not ignored.

/** Namespaces read by others: the AWS provider (aws:region, aws:defaultTags) and the engine. */
export const OTHER_NAMESPACES = ["aws", "pulumi"] as const;

/**
 * The stack's settings from config as Pulumi passes it (`ns:key` → string), the same for the
 * program (pulumi.runtime.allConfig()) and the tools (config/stackFile.ts). Throws a
 * ConfigError listing every problem, each naming the key and `source`.
 */
export function settingsFromConfig(config: Readonly<Record<string, string>>, source: string): StackSettings {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const known = [CONFIG_NAMESPACE, ...OTHER_NAMESPACES];
  for (const [key, value] of Object.entries(config)) {
    const colon = key.indexOf(":");
    const namespace = colon < 0 ? "" : key.slice(0, colon);
    const name = key.slice(colon + 1);
    if (namespace === CONFIG_NAMESPACE) raw[name] = value;
    else if (!(OTHER_NAMESPACES as readonly string[]).includes(namespace)) {
      const near = closest(namespace, known) ?? (namespace.startsWith(CONFIG_NAMESPACE) ? CONFIG_NAMESPACE : undefined);
      problems.push(
        `${key} in ${source}: the namespace ${JSON.stringify(namespace)} is not read by anything here` +
          (near ? `; did you mean ${near}:${name}?` : `; this program's keys are ${CONFIG_NAMESPACE}:<key>, the AWS provider's aws:<key>`),
      );
    }
  }
  try {
    const settings = parseSettings(raw, source);
    if (problems.length > 0) throw new ConfigError(problems);
    return settings;
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError([...problems, ...err.problems]);
    throw err;
  }
}
