/** What a parsed JSON value is, for messages: "null", "an array", "a string", "a number", ... */
export function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
