// Runs a command (cdktf diff, terraform apply) against the local AWS query stand-in, inside a
// network namespace that has nothing but loopback when this machine allows one (`unshare --net`,
// as root): whatever the command reaches, it reaches on 127.0.0.1.
import { spawnSync } from "child_process";
import { readFileSync, existsSync } from "fs";
import * as path from "path";
import { RunResult, runBounded } from "./processes";

const STAND_IN = path.join(__dirname, "aws-query-stand-in.js");

export interface StandInRequest {
  readonly action?: string;
  readonly status?: number;
  readonly filters?: Record<string, string[]>;
  /** The request's other parameters (not Action, Version or a filter), e.g. LocationType. */
  readonly params?: Record<string, string>;
  /** Set when something asked the stand-in to proxy it elsewhere. */
  readonly proxy?: string;
}

export interface OfflineRun extends RunResult {
  /** Every request the stand-in saw, in order. */
  readonly requests: StandInRequest[];
  /** Whether the command ran in a network namespace of loopback only. */
  readonly isolated: boolean;
}

/** Whether `unshare --net` works here (root on Linux): then the command cannot reach any other network. */
export const canIsolateNetwork =
  spawnSync("unshare", ["--net", "true"], { stdio: "ignore", timeout: 10_000, killSignal: "SIGKILL" }).status === 0;

/** Fake credentials and no configured profile: the provider's only AWS is the stand-in. */
export function offlineAwsEnv(base: NodeJS.ProcessEnv, scratch: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const key of Object.keys(env)) if (/^AWS_/.test(key) && key !== "AWS_CA_BUNDLE") delete env[key];
  return {
    ...env,
    AWS_ACCESS_KEY_ID: "AKIAOFFLINEPLAN00001",
    AWS_SECRET_ACCESS_KEY: "offline/plan/secret/key/not/a/real/one00000",
    AWS_CONFIG_FILE: path.join(scratch, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, "no-aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    CHECKPOINT_DISABLE: "1",
    NO_PROXY: "127.0.0.1,localhost",
  };
}

/**
 * Starts the stand-in, points EC2, STS and Service Quotas at it (`AWS_ENDPOINT_URL_EC2`/`_STS`/`_SERVICE_QUOTAS`) and every proxy
 * variable at it too (so a client that tried another host would be logged), runs `command`, and
 * stops the stand-in. `scratch` holds its port and log files.
 */
export async function runAgainstStandIn(spec: {
  readonly command: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly scratch: string;
  readonly timeoutMs: number;
}): Promise<OfflineRun> {
  const portFile = path.join(spec.scratch, `stand-in-${Date.now()}.port`);
  const logFile = `${portFile}.log`;
  const script = `
${canIsolateNetwork ? "ip link set lo up || exit 96" : ""}
"${process.execPath}" "${STAND_IN}" "${portFile}" "${logFile}" &
standin=$!
i=0
while [ ! -s "${portFile}" ]; do
  i=$((i + 1)); [ $i -gt 600 ] && { echo "the AWS stand-in did not start" >&2; kill $standin; exit 97; }
  sleep 0.1
done
url="http://127.0.0.1:$(cat "${portFile}")"
export AWS_ENDPOINT_URL_EC2="$url" AWS_ENDPOINT_URL_STS="$url" AWS_ENDPOINT_URL_SERVICE_QUOTAS="$url" HTTP_PROXY="$url" HTTPS_PROXY="$url" http_proxy="$url" https_proxy="$url"
"$@"
status=$?
kill $standin
exit $status
`;
  const shell = ["/bin/sh", "-c", script, "offline-aws", ...spec.command];
  const [command, ...args] = canIsolateNetwork ? ["unshare", "--net", "--", ...shell] : shell;
  const result = await runBounded({ command, args, cwd: spec.cwd, env: spec.env, timeoutMs: spec.timeoutMs });
  const requests = existsSync(logFile)
    ? readFileSync(logFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as StandInRequest)
    : [];
  return { ...result, requests, isolated: canIsolateNetwork };
}
