import { spawnSync } from "node:child_process";
import { settingsFromConfig } from "../config/namespaces";
import { isEncrypted } from "../config/secrets";
import { CONFIG_NAMESPACE, type StackSettings } from "../config/settings";
import { PROJECT_DIR, readStackFile } from "../config/stackFile";

// A stack's config as the commands use it: what `pulumi preview` would give the program, as
// far as a tool can know it, plus the user's `--config KEY=VALUE` overrides.
//
// The stack file is read directly (config/stackFile.ts). Two things in it only Pulumi can
// resolve: encrypted values (`secure:`) and ESC environments (`environment:`). When the file
// has either and the Pulumi CLI is on PATH, the config is taken from `pulumi config --json
// --show-secrets`, which decrypts secrets and opens the environments (`--show-secrets` implies
// `--open`; pulumi/pulumi pkg/cmd/pulumi/config/config.go). Without it, an encrypted value is
// "set, secret": it fails only a command that reads it, saying how to supply it; environments
// that could not be read are named on stderr, and their values are not applied.

export interface ResolvedStack {
  readonly stack: string;
  /** `ns:key` → string, as Pulumi passes config to the program. */
  readonly config: Readonly<Record<string, string>>;
  /** The validated settings (throws a ConfigError naming the key and where it came from). */
  settings(): StackSettings;
  /** `aws:region`, or an error saying how to set it. */
  region(): string;
}

export interface ResolveOptions {
  /** `--config` values, `ns:key` → string; they win over everything else. */
  readonly overrides?: Readonly<Record<string, string>>;
  /** Where warnings go (one line each, without a trailing newline). */
  readonly warn: (line: string) => void;
  readonly dir?: string;
}

type PulumiRead = { ok: true; config: Record<string, string> } | { ok: false; reason: string; installed: boolean };

/** The stack's config through the Pulumi CLI: decrypted, environments applied. */
function readThroughPulumi(stack: string, dir: string): PulumiRead {
  const ran = spawnSync("pulumi", ["config", "--json", "--show-secrets", "--stack", stack, "--non-interactive"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (ran.error) {
    const code = (ran.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false, reason: "the Pulumi CLI is not installed (no `pulumi` on PATH)", installed: false };
    return { ok: false, reason: `\`pulumi config\` did not run: ${ran.error.message}`, installed: true };
  }
  const firstLine = (text: string) => text.trim().split("\n")[0] ?? "";
  const failed = (reason: string): PulumiRead => ({ ok: false, reason, installed: true });
  if (ran.status !== 0) return failed(`\`pulumi config\` failed: ${firstLine(ran.stderr || ran.stdout) || `exit ${ran.status}`}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(ran.stdout);
  } catch {
    return failed(`\`pulumi config --json\` printed no JSON: ${firstLine(ran.stdout)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return failed("`pulumi config --json` printed no object");
  // Each key: {"value": "<string as the program gets it>", "objectValue"?: ..., "secret": bool}.
  const config: Record<string, string> = {};
  for (const [key, entry] of Object.entries(parsed as Record<string, { value?: unknown; objectValue?: unknown }>)) {
    if (typeof entry?.value === "string") config[key] = entry.value;
    else if (entry?.objectValue !== undefined) config[key] = JSON.stringify(entry.objectValue);
  }
  return { ok: true, config };
}

/** `batchSize=25` → orders:batchSize: a key without a namespace is the project's, as `pulumi config set` stores it. */
export function fullKey(key: string): string {
  return key.includes(":") ? key : `${CONFIG_NAMESPACE}:${key}`;
}

export function resolveStack(stack: string, opts: ResolveOptions): ResolvedStack {
  const dir = opts.dir ?? PROJECT_DIR;
  const file = readStackFile(stack, dir);
  const overrides = opts.overrides ?? {};
  const encrypted = Object.entries(file.config).some(([key, value]) => !Object.hasOwn(overrides, key) && isEncrypted(value));
  let config: Record<string, string> = file.config;
  let fromEnvironments = false;
  if (file.environments.length > 0 || encrypted) {
    const read = readThroughPulumi(stack, dir);
    if (read.ok) {
      config = read.config;
      fromEnvironments = file.environments.length > 0;
      if (fromEnvironments) opts.warn(`orders-pipeline: stack ${stack}: config read through the Pulumi CLI, with the environments ${file.name} imports (${file.environments.join(", ")})`);
    } else if (file.environments.length > 0) {
      opts.warn(
        `orders-pipeline: warning: ${file.name} imports the ESC environment${file.environments.length > 1 ? "s" : ""} ${file.environments.join(", ")}, which this command could not read: ${read.reason}. ` +
          `Their values are not applied: this command uses ${file.name}'s own values and the defaults; give a value with --config KEY=VALUE.`,
      );
    } else if (read.installed) {
      // Without the CLI at all, an unread secret is said only by a command that needs it.
      opts.warn(`orders-pipeline: note: ${file.name}'s encrypted values stay unread (${read.reason}); a command that needs one says so`);
    }
  }
  config = { ...config, ...overrides };
  // A value the file does not hold as such came from an environment (the Pulumi CLI applied it).
  const source = (key: string) =>
    Object.hasOwn(overrides, key) ? "--config" : !fromEnvironments || file.config[key] === config[key] ? file.name : `the environments ${file.name} imports`;
  let settings: StackSettings | undefined;
  return {
    stack,
    config,
    settings: () => (settings ??= settingsFromConfig(config, source)),
    region: () => {
      const region = config["aws:region"];
      if (region === undefined) throw new Error(`stack ${stack} sets no aws:region in ${file.name}; set it there or give --config aws:region=REGION`);
      if (isEncrypted(region)) throw new Error(`aws:region is a secret in ${file.name} that this command cannot decrypt; give it with --config aws:region=REGION`);
      return region;
    },
  };
}
