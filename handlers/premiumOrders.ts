// Lambda entry point of PremiumOrdersProcessor (bundled by esbuild; see infra/bundle.ts).
import { shipPremiumOrder } from "./business";
import { createHandler } from "./lambda";

export const handler = createHandler(shipPremiumOrder);
