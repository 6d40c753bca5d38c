import { perStack, type RouteDeclaration } from "./route";

// The routes this pipeline deploys: the one place a team edits to add, change or remove a
// route (see "Add a route" in the README). Each route gets, from this entry alone: its pipe
// filter, its processor's guard, its business step (handlers/steps/<step>.ts), its config
// keys (a threshold is always `orders:<name>MinAmount`; fields wrapped in perStack(...) get
// `orders:<name><Field>`), its pipe, processor, DLQ, alarms, dashboard widgets and stack
// outputs, and its place in `route`, `local`, `cost` and the benches.
//
// A DynamoDB stream shard serves at most two readers, and these two routes use both: a third
// route rides on one of their pipes (`pipe: "normal"`), see routing/pipes.ts.

export const ROUTES: readonly RouteDeclaration[] = [
  {
    // Standard orders: new or changed, pending or shipped, above 100, real customers.
    name: "normal",
    changes: ["INSERT", "MODIFY"],
    statuses: perStack(["pending", "shipped"]),
    amount: { above: "100" },
    excludeTestCustomers: true,
    step: "acceptOrder",
    metrics: { count: "OrdersAccepted", amount: "OrderAmountAccepted" },
  },
  {
    // High-value orders shipping: pending -> shipped, above 1000 (the seed keeps test customers).
    name: "premium",
    changes: ["MODIFY"],
    statuses: ["shipped"],
    previousStatuses: ["pending"],
    amount: { above: "1000" },
    excludeTestCustomers: perStack(false),
    step: "shipPremiumOrder",
    metrics: { count: "PremiumOrdersShipped", amount: "PremiumOrderAmountShipped" },
  },
];
