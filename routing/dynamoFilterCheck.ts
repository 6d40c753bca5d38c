// Patterns a pipe on a DynamoDB stream accepts and yet can never use as intended, found before
// anything is deployed, each with what to do instead:
// - a top-level key other than `dynamodb`: "DynamoDB event source mappings only support
//   filtering on the dynamodb key" (AWS Lambda developer guide, with-ddb-filtering.html; Pipes
//   poll streams with the same poller, and an older Pipes filtering page lists `eventName` among
//   the fields that "can't be used in event patterns": shared/aws-facts.md section 10);
// - the seed's `{"orderAmount": {"N": [{"numeric": [">", 100]}]}}`: a stream record carries every
//   DynamoDB scalar as a JSON *string* ({"N": "101"}), and numeric matching (and number
//   literals) only match JSON numbers (aws-facts section 2), so it never matches.

const IMAGES = new Set(["NewImage", "OldImage", "Keys"]);
// Attribute types whose values are strings (or lists of strings) in a stream record.
const STRING_TYPES = new Set(["S", "N", "B", "SS", "NS", "BS"]);

export const DYNAMODB_KEY_RULE =
  'a pipe reading a DynamoDB stream filters only on the "dynamodb" key ("DynamoDB event source mappings only support filtering on the dynamodb key", ' +
  "docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html; Pipes share that poller)";

function problemsIn(leaf: unknown[], path: string, type: string): string[] {
  const out: string[] = [];
  for (const value of leaf) {
    if (typeof value === "number" || typeof value === "boolean") {
      out.push(
        `${path}: the value ${JSON.stringify(value)} never matches a DynamoDB stream record, whose ${type} values are JSON strings; write it as ${JSON.stringify(String(value))}`,
      );
    } else if (value !== null && typeof value === "object" && "numeric" in value) {
      out.push(
        `${path}: "numeric" never matches a DynamoDB stream record: DynamoDB streams carry ${type} values as JSON strings ({"${type}": "101"}) and numeric matching only applies to JSON numbers. ` +
          `Match string attributes such as the status in the pipe, and enforce amount thresholds in the processor guard (the route's minAmount).`,
      );
    }
  }
  return out;
}

function walk(node: unknown, path: string[], problems: string[]): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    // A leaf: is it under dynamodb.<Image>.<attribute>.<string type>?
    const [root, image, , type] = path;
    if (path.length === 4 && root === "dynamodb" && IMAGES.has(image) && STRING_TYPES.has(type)) {
      problems.push(...problemsIn(node, path.join("."), type));
    }
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    // A dot joins field names (EventBridge flattens nested keys): "dynamodb.NewImage" is the
    // field dynamodb, then NewImage.
    const names = key === "$or" ? [key] : key.split(".");
    if (key === "$or" && Array.isArray(value)) value.forEach((alt) => walk(alt, path, problems));
    else if (path.length === 0 && names[0] !== "dynamodb") {
      const hint =
        key === "eventName"
          ? "; require the images instead (NewImage: INSERT or MODIFY; NewImage and OldImage: MODIFY) and check the event name in the processor"
          : "; move the condition under dynamodb or into the processor";
      problems.push(`top-level key "${key}": ${DYNAMODB_KEY_RULE}${hint}`);
    } else walk(value, [...path, ...names], problems);
  }
}

/** Reasons a pipe on a DynamoDB stream cannot use the pattern as intended (empty if none found). */
export function dynamoFilterProblems(pattern: string | object): string[] {
  const parsed: unknown = typeof pattern === "string" ? JSON.parse(pattern) : pattern;
  const problems: string[] = [];
  walk(parsed, [], problems);
  return problems;
}
