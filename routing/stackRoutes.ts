import { checkDeclarations, type PipeGroup } from "./pipes";
import { type Route, type RouteDeclaration, type RouteName, type RouteSettings, resolveRoute, routeMetrics } from "./route";
import { ROUTES } from "./routes";

// The declared routes as one stack deploys them: each route resolved with the stack's
// settings, and the pipes that serve them. What the program, the processors' tools, the CLI
// and the local runtime all start from.

export interface StackRoutes {
  /** The routes in declaration order. */
  readonly routes: readonly Route[];
  readonly pipes: readonly PipeGroup[];
  readonly declarations: readonly RouteDeclaration[];
}

export function routesFromSettings(settings: RouteSettings, declarations: readonly RouteDeclaration[] = ROUTES): StackRoutes {
  const pipes = checkDeclarations(declarations);
  return { routes: declarations.map((d) => resolveRoute(d, settings)), pipes, declarations };
}

/** The declaration of `name`; throws naming the declared routes if there is none. */
export function declarationOf(name: RouteName, declarations: readonly RouteDeclaration[] = ROUTES): RouteDeclaration {
  const d = declarations.find((x) => x.name === name);
  if (!d) throw new Error(`route ${name} is not declared in routing/routes.ts (declared: ${declarations.map((x) => x.name).join(", ")})`);
  return d;
}

/** The metrics a route's processor counts each processed order under. */
export function metricsOf(name: RouteName, declarations: readonly RouteDeclaration[] = ROUTES): { readonly count: string; readonly amount: string } {
  return routeMetrics(declarationOf(name, declarations));
}

/** The resolved route `name` of a stack. */
export function routeNamed(stack: StackRoutes, name: RouteName): Route {
  const r = stack.routes.find((x) => x.name === name);
  if (!r) throw new Error(`route ${name} is not declared in routing/routes.ts (declared: ${stack.routes.map((x) => x.name).join(", ")})`);
  return r;
}

/** What a pipe's processor serves: each route's business step and processed-order metrics (infra/bundle.ts bundles these). */
export function servedBy(group: PipeGroup, declarations: readonly RouteDeclaration[] = ROUTES): { route: RouteName; step: string; metrics: { count: string; amount: string } }[] {
  return group.routes.map((route) => ({ route, step: declarationOf(route, declarations).step, metrics: metricsOf(route, declarations) }));
}
