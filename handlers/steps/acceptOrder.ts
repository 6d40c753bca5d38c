import { type OrderHandler, orderFacts } from "../business";

// The normal route's business step: accept a standard order. The seed's step only records the
// decision (a structured log line; the processor counts it as OrdersAccepted); a team puts its
// real work here (see "Replace the business step" in the README). A repeat writes one more
// log line with the same eventID: deduplicate on it downstream.
export const step: OrderHandler = async (order, { log }) => {
  log.info("order.accepted", orderFacts(order));
};
