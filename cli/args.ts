import { fullKey } from "./stackConfig";
import { UsageError } from "./io";

// Options shared by the commands that read a stack's config (local, route, cost).

/** `--config KEY=VALUE`, repeatable: overrides any config key for this run (parseArgs spec). */
export const CONFIG_OPTION = { config: { type: "string", multiple: true } } as const;

/**
 * The `--config` values as config overrides, `ns:key` → value as Pulumi passes it (a string;
 * a list as JSON, e.g. orders:normalStatuses=["pending","packed"]). A key without a namespace
 * is this program's, as `pulumi config set KEY VALUE` would store it; the last of two values
 * for one key wins.
 */
export function configOverrides(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of values ?? []) {
    const eq = text.indexOf("=");
    const key = eq < 0 ? "" : text.slice(0, eq).trim();
    if (key === "" || key.startsWith(":") || key.endsWith(":")) {
      throw new UsageError(`--config ${JSON.stringify(text)} is not KEY=VALUE; e.g. --config orders:premiumMinAmount=2000 or --config batchSize=25`);
    }
    out[fullKey(key)] = text.slice(eq + 1);
  }
  return out;
}
