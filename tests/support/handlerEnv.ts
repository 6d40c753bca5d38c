import { routesToEnvironment } from "../../routing/environment";
import type { Route } from "../../routing/route";

/**
 * A processor's environment for running its handler in tests: its routes' deployed variables,
 * an SQS endpoint nobody listens on (a quarantine send fails fast, once), and idempotency off.
 */
export function handlerTestEnvironment(...routes: Route[]): Record<string, string> {
  return {
    ...routesToEnvironment(routes),
    ORDERS_DLQ_URL: "http://127.0.0.1:1/000000000000/unused",
    AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:1",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_MAX_ATTEMPTS: "1",
    // No idempotency store in unit tests (Powertools' own switch); the local runtime's tests run with one.
    ORDERS_IDEMPOTENCY_TABLE: "unused",
    POWERTOOLS_IDEMPOTENCY_DISABLED: "true",
  };
}
