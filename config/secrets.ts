// Secrets in a stack file. `pulumi config set --secret KEY VALUE` stores the value encrypted,
// as a mapping with the single key `secure` (`orders:alarmEmail: {secure: v1:...}`); Pulumi
// reserves that shape ("secure" key in maps of length 1 are reserved: pulumi/pulumi,
// sdk/go/common/resource/config/map.go) and decrypts it before a program sees it, so
// `pulumi preview` gets the plain value. The tools that read the file themselves (the CLI, the
// local runtime) cannot decrypt it: for them such a value is set, secret, and unread. It
// travels as the JSON that the stack-file reader makes of the mapping, so it also passes
// through Pulumi's mocks (local/evaluateProgram.ts), whose config holds only strings.

/** A config value the reader could not decrypt; the settings report it only if a command reads it. */
export class UnreadSecret {
  constructor(
    /** The full key, e.g. orders:alarmEmail. */
    readonly key: string,
  ) {}
}

function holdsSecure(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsSecure);
  if (typeof value !== "object" || value === null) return false;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === "secure" && typeof (value as { secure: unknown }).secure === "string") return true;
  return Object.values(value).some(holdsSecure);
}

/** Whether a config value as the stack-file reader passes it (a string) is, or holds, an encrypted value. */
export function isEncrypted(value: string): boolean {
  if (!value.startsWith("{") && !value.startsWith("[")) return false;
  try {
    return holdsSecure(JSON.parse(value));
  } catch {
    return false;
  }
}
