// The bypass matrix through the Lambda adapter behind the streaming-runtime stand-in
// (helpers/bypass-matrix.ts): nothing outside the allowlist reaches the ALB, ever.
import { describeBypassMatrix } from "./helpers/bypass-suite";
import { startLambda } from "./helpers/setup";

describeBypassMatrix("Lambda adapter", startLambda, true);
