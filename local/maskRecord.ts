import { maskEmail } from "../routing/order";

// What `dlq show` prints is what a log would hold: the processors never log a customer's
// address in full (handlers/business.ts), so neither does the tool that reads their DLQs,
// unless asked to (--show-email). Every `customerEmail` attribute anywhere in a message or a
// record (NewImage, OldImage, a pointer's records) is masked, whatever its shape.

const EMAIL_ATTRIBUTE = "customerEmail";

function maskValue(value: unknown): unknown {
  if (typeof value === "string") return maskEmail(value);
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    // A DynamoDB attribute value: {"S": "ann@example.com"}; any other type is shown as "***".
    return Object.fromEntries(Object.entries(value).map(([type, v]) => [type, typeof v === "string" ? maskEmail(v) : "***"]));
  }
  return value === undefined ? undefined : "***";
}

/** A copy of `value` with every customer address masked (`a***@example.com`). */
export function maskEmails<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== "object") return v;
    return Object.fromEntries(Object.entries(v).map(([key, inner]) => [key, key === EMAIL_ATTRIBUTE ? maskValue(inner) : walk(inner)]));
  };
  return walk(value) as T;
}
