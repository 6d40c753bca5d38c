// The `wildcard` operator: `*` matches any run of characters; `\*` is a literal star and
// `\\` a literal backslash. Like event-ruler, consecutive wildcards and other escapes are
// rejected rather than guessed at.

export function wildcardProblem(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next !== "*" && next !== "\\") return `invalid escape "\\${next ?? ""}" at position ${i}: only \\* and \\\\ may be escaped`;
      i++;
    } else if (c === "*" && pattern[i + 1] === "*") {
      return `consecutive wildcard characters at position ${i} are not allowed`;
    }
  }
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
