import type * as pulumi from "@pulumi/pulumi";
import type { PipeGroup } from "../routing/pipes";
import type { RouteName } from "../routing/route";
import type { StepGrant } from "./processorWithDlq";

// What a route's business step needs beyond the pipeline, declared in index.ts (STEP_NEEDS):
// the settings its step reads and the grants its processor gets. A processor serving several
// routes gets what all of them need.

export interface StepNeed {
  /** Read in the step with setting(context, name): a table's name, an endpoint, ... */
  readonly settings?: Readonly<Record<string, pulumi.Input<string>>>;
  /** One grant per need: these actions on these resources. */
  readonly grants?: readonly StepGrant[];
}

export type StepNeeds = Readonly<Partial<Record<RouteName, StepNeed>>>;

/** What the processor of `group` gets; throws naming the route for a need of no declared route or a setting two routes both set. */
export function needsOfPipe(group: PipeGroup, needs: StepNeeds, declared: readonly RouteName[]): Required<StepNeed> {
  for (const route of Object.keys(needs)) {
    if (!declared.includes(route)) throw new Error(`STEP_NEEDS in index.ts names route ${route}, which routing/routes.ts does not declare (declared: ${declared.join(", ")})`);
  }
  const settings: Record<string, pulumi.Input<string>> = {};
  const setBy: Record<string, RouteName> = {};
  const grants: StepGrant[] = [];
  for (const route of group.routes) {
    const need = needs[route];
    if (!need) continue;
    for (const [name, value] of Object.entries(need.settings ?? {})) {
      if (setBy[name]) throw new Error(`STEP_NEEDS in index.ts: routes ${setBy[name]} and ${route} share the processor ${group.processorResource} and both set the setting ${name}; give one of them another name`);
      setBy[name] = route;
      settings[name] = value;
    }
    grants.push(...(need.grants ?? []));
  }
  return { settings, grants };
}
