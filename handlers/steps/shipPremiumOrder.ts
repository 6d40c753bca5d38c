import { type OrderHandler, orderFacts } from "../business";

// The premium route's business step: a high-value order went from pending to shipped. The
// seed's step only records it (a structured log line; the processor counts it as
// PremiumOrdersShipped); a team puts its real work here.
export const step: OrderHandler = async (order, { log }) => {
  log.info("order.premium_shipped", orderFacts(order));
};
