// The Lambda function's entry point (handler `index.handler` in the bundle): Node.js managed runtime,
// behind a function URL with invoke mode RESPONSE_STREAM. Configuration: see lambda-env.ts.
import { AwsLambdaGlobal, createStreamingHandler } from "./lambda-handler";
import { settingsFromEnv } from "./lambda-env";

declare const awslambda: AwsLambdaGlobal;

export const handler = awslambda.streamifyResponse(createStreamingHandler(settingsFromEnv(process.env), awslambda));
