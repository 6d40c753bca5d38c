import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, parseSettings, type StackSettings } from "../config/settings";

/**
 * The stack's settings from `pulumi config` (Pulumi.<stack>.yaml). Any bad key throws a
 * ConfigError that names it, so `pulumi preview` fails before anything is planned.
 */
export function loadStackSettings(): StackSettings {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
  }
  return parseSettings(raw, `Pulumi.${pulumi.getStack()}.yaml`);
}
