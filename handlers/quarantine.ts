import type { RouteName } from "../routing/route";

// A record the processor can never handle (malformed) must not block its shard, and must
// not be lost: it goes to the processor's DLQ whole, in this envelope, and is acknowledged.
// The envelope is distinct from the pipe's own DLQ messages, which are pointers
// ({"context": ..., "DDBStreamBatchInfo": ...}) to records that exhausted their retries.

export const QUARANTINE_KIND = "orders.quarantined-record";

export interface QuarantineMessage {
  /** Always QUARANTINE_KIND: tells this message from a pipe's pointer message. */
  readonly kind: typeof QUARANTINE_KIND;
  readonly version: 1;
  readonly route: RouteName;
  readonly eventID?: string;
  /** Why the record cannot be processed, one reason per problem. */
  readonly reasons: readonly string[];
  readonly quarantinedAt: string;
  /** The stream record exactly as the pipe delivered it. */
  readonly record: unknown;
}

export type QuarantineSender = (message: QuarantineMessage) => Promise<void>;

export function quarantineMessage(route: RouteName, record: unknown, eventID: string | undefined, reasons: readonly string[], now: Date): QuarantineMessage {
  return { kind: QUARANTINE_KIND, version: 1, route, eventID, reasons, quarantinedAt: now.toISOString(), record };
}

export function isQuarantineMessage(body: unknown): body is QuarantineMessage {
  return typeof body === "object" && body !== null && (body as { kind?: unknown }).kind === QUARANTINE_KIND;
}
