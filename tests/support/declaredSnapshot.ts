import type { DeclaredStack } from "../../local/evaluateProgram";

// What a stack declares, as data that can be compared across versions of the program: every
// resource's type, name and inputs, in a stable order, with the Lambda code left out (a
// bundle changes whenever any handler source does). tests/fixtures/seed-stack/ holds the
// seed's stacks as the program declared them before routes became data.

export interface SnapshotResource {
  readonly type: string;
  readonly name: string;
  readonly state: unknown;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function declaredSnapshot(stack: DeclaredStack): SnapshotResource[] {
  return stack.resources
    .map((r) => {
      const state: Record<string, unknown> = { ...r.state };
      if (r.type === "aws:lambda/function:Function") delete state.code;
      return { type: r.type, name: r.name, state: sortKeys(state) };
    })
    .sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));
}
