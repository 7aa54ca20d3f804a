// The bypass matrix through the local server (helpers/bypass-matrix.ts): nothing outside the
// allowlist reaches the ALB, ever.
import { describeBypassMatrix } from "./helpers/bypass-suite";
import { startLocal } from "./helpers/setup";

describeBypassMatrix("local server", startLocal, false);
