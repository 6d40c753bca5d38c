import * as pulumi from "@pulumi/pulumi";
import { settingsFromConfig } from "../config/namespaces";
import { ConfigError, type StackSettings } from "../config/settings";

/**
 * The stack's settings from `pulumi config` (Pulumi.<stack>.yaml and the environments it
 * imports, secrets decrypted by Pulumi), read the same way as the CLI reads the file
 * (config/namespaces.ts). Any bad key fails `pulumi preview` before anything is planned, with
 * a message that names it.
 */
export function loadStackSettings(): StackSettings {
  try {
    return settingsFromConfig(pulumi.runtime.allConfig(), `Pulumi.${pulumi.getStack()}.yaml`);
  } catch (err) {
    // A RunError is printed as its message alone. Any other error Pulumi prints with its stack
    // trace and properties (cmd/run/run.js, defaultErrorMessage), which is noise for a config mistake.
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
