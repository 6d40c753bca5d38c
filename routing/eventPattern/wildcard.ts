// The `wildcard` operator: `*` matches any run of characters; `\*` is a literal star and
// `\\` a literal backslash. Like event-ruler, consecutive wildcards and other escapes are
// rejected rather than guessed at.

// Most `*` one wildcard value may hold. EventBridge refuses wildcard patterns it judges too
// complex ("Rule is too complex - try using fewer wildcard characters or fewer repeating
// character sequences after a wildcard character"; eb-create-pattern-operators, wildcard
// matching complexity). event-ruler measures complexity (MachineComplexityEvaluator: how many
// wildcard prefixes one value can match at once) but neither it nor the AWS page publishes the
// threshold. This is LocalStack's approximation (event_rule_engine.py, _validate_wildcard),
// which agrees with the AWS-validated cases of its test suite: "*:*:*:*:*:event-bus/*" (six)
// is refused, "arn:aws:events:us-east-1:*:event-bus/*" and "/Users/*/dir/dir/dir/dir/dir/doc.txt"
// are accepted (test_events_patterns.snapshot.json, content_wildcard_*). Repeated sequences
// after a single `*` are not counted, so such a pattern may pass here and be refused by AWS.
export const MAX_WILDCARDS_PER_VALUE = 5;

export const TOO_COMPLEX =
  "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

export function wildcardProblem(pattern: string): string | undefined {
  let stars = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next !== "*" && next !== "\\") return `invalid escape "\\${next ?? ""}" at position ${i}: only \\* and \\\\ may be escaped`;
      i++;
    } else if (c === "*") {
      if (pattern[i + 1] === "*") return `consecutive wildcard characters at position ${i} are not allowed`;
      stars++;
    }
  }
  if (stars > MAX_WILDCARDS_PER_VALUE) return `${TOO_COMPLEX} (${stars} wildcards; at most ${MAX_WILDCARDS_PER_VALUE})`;
  return undefined;
}

export function wildcardRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      source += `\\${pattern[++i]}`;
    } else if (c === "*") {
      source += "[\\s\\S]*";
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`, "u");
}
