import { jsonKind } from "../routing/jsonKind";
import { oneLine } from "./io";

/**
 * One line of a JSONL input of stream records (`route --jsonl`, `cost --records`): the record,
 * or why the line is not one, in the words both commands report. A record is a JSON object;
 * a JSON string is never parsed a second time.
 */
export function parseRecordLine(line: string, n: number): { record: Record<string, unknown> } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { error: `line ${n} is not JSON: ${oneLine((err as Error).message)}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { error: `line ${n} is ${jsonKind(value)}, not a stream record (a JSON object)` };
  }
  return { record: value as Record<string, unknown> };
}
