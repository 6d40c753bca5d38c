// A pattern can be valid for a pipe and still never match a DynamoDB stream record. The
// classic case is the seed's `{"orderAmount": {"N": [{"numeric": [">", 100]}]}}`: a stream
// record carries every DynamoDB scalar as a JSON *string* ({"N": "101"}), and numeric
// matching (and number literals) only match JSON numbers (aws-facts section 2). This check
// refuses such patterns with a message that says what to do instead.

const IMAGES = new Set(["NewImage", "OldImage", "Keys"]);
// Attribute types whose values are strings (or lists of strings) in a stream record.
const STRING_TYPES = new Set(["S", "N", "B", "SS", "NS", "BS"]);

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
          `Match status or event fields in the pipe and enforce amount thresholds in the processor guard (the route's minAmount).`,
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
    if (key === "$or" && Array.isArray(value)) value.forEach((alt) => walk(alt, path, problems));
    else walk(value, [...path, key], problems);
  }
}

/** Reasons the pattern can never match a DynamoDB stream record (empty if none found). */
export function dynamoFilterProblems(pattern: string | object): string[] {
  const parsed: unknown = typeof pattern === "string" ? JSON.parse(pattern) : pattern;
  const problems: string[] = [];
  walk(parsed, [], problems);
  return problems;
}
