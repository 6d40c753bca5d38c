import * as pulumi from "@pulumi/pulumi";
import { settingsFromConfig } from "../config/namespaces";
import type { StackSettings } from "../config/settings";

/**
 * The stack's settings from `pulumi config` (Pulumi.<stack>.yaml), read the same way as the
 * CLI reads the file (config/namespaces.ts). Any bad key throws a ConfigError that names it,
 * so `pulumi preview` fails before anything is planned.
 */
export function loadStackSettings(): StackSettings {
  return settingsFromConfig(pulumi.runtime.allConfig(), `Pulumi.${pulumi.getStack()}.yaml`);
}
