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

/**
 * A matcher for a valid wildcard pattern (see wildcardProblem). Greedy segment matching: the
 * pattern is literal segments between stars; the first must start the value, the last must
 * end it, and each one between is taken at its leftmost place after the one before. For a
 * glob whose only operator is `*`, the leftmost place is never worse than a later one (what
 * follows a later place is a suffix of what follows the leftmost), so nothing is retried:
 * the work is a few indexOf calls, linear in the value's length for a given pattern. A regular
 * expression with `[\s\S]*` per star backtracks instead (`*a*a*a*a*b` against 300 `a`s never
 * finished; issue 18).
 */
export function wildcardMatcher(pattern: string): (value: string) => boolean {
  const segments: string[] = [];
  let current = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") current += pattern[++i];
    else if (c === "*") {
      segments.push(current);
      current = "";
    } else current += c;
  }
  segments.push(current);
  const first = segments[0];
  if (segments.length === 1) return (value) => value === first;
  const last = segments[segments.length - 1];
  const middle = segments.slice(1, -1).filter((s) => s !== "");
  const fixed = first.length + last.length;
  return (value) => {
    if (value.length < fixed || !value.startsWith(first) || !value.endsWith(last)) return false;
    // The middle segments must fit between the prefix and the suffix, without overlapping them.
    let from = first.length;
    const end = value.length - last.length;
    for (const segment of middle) {
      const at = value.indexOf(segment, from);
      if (at === -1 || at + segment.length > end) return false;
      from = at + segment.length;
    }
    return true;
  };
}
