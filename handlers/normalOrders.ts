// Lambda entry point of NormalOrdersProcessor (bundled by esbuild; see infra/bundle.ts).
import { acceptNormalOrder } from "./business";
import { createHandler } from "./lambda";

export const handler = createHandler(acceptNormalOrder);
