// Local mode: the router as a plain Node HTTP server, for development, tests and the benchmark.
// `npm run router -- --listen HOST:PORT --alb URL --models m1,m2,...` (see local-args.ts).
import * as http from "http";
import type { AddressInfo } from "net";
import { FileKeyStore } from "./keys-file";
import { HELP, LocalOptions, parseLocalArgs, UsageError, wantsHelp } from "./local-args";
import { Router } from "./core";

export interface LocalRouter {
  readonly server: http.Server;
  readonly router: Router;
  /** `http://HOST:PORT` with the port actually bound (useful with port 0). */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the server; resolves once it accepts connections. Throws UsageError for a bad keys file. */
export async function startLocalRouter(options: LocalOptions, log?: (line: string) => void): Promise<LocalRouter> {
  let keys: FileKeyStore | undefined;
  if (options.keysFile !== undefined) {
    try {
      keys = new FileKeyStore(options.keysFile);
    } catch (err) {
      throw new UsageError(
        `router: --keys-file ${options.keysFile}: ${(err as Error).message}; ` +
          `create or fix it with: npm run keys -- add NAME --keys-file ${options.keysFile}`,
      );
    }
  }
  const router = new Router({ config: options.config, keys, log, forwardClientAddress: true });
  const server = http.createServer({ noDelay: true }, (req, res) => {
    void router.handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    router,
    url: `http://${options.hostAsGiven}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        router.close();
      }),
  };
}

export async function main(argv: readonly string[]): Promise<void> {
  if (wantsHelp(argv)) {
    process.stdout.write(HELP);
    return;
  }
  let options: LocalOptions;
  let local: LocalRouter;
  try {
    options = parseLocalArgs(argv, process.env);
    local = await startLocalRouter(options);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`router: cannot listen on ${argv[argv.indexOf("--listen") + 1] ?? "?"}: ${e.code ?? ""} ${e.message}\n`);
    process.exit(1);
  }
  // A log reader that stops reading must not freeze the router: write stdout without blocking.
  (process.stdout as unknown as { _handle?: { setBlocking?: (b: boolean) => void } })._handle?.setBlocking?.(false);
  if (options.keysFile === undefined) {
    process.stderr.write(
      "router: warning: no --keys-file, so API keys are NOT checked: anyone who can reach this port " +
        "uses the models (for development and tests only)\n",
    );
  }
  const shutdown = () => {
    setTimeout(() => process.exit(0), 2000).unref();
    void local.close().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  // If whatever started us (npm, a test harness) dies without a signal reaching us, do not linger.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown();
  }, 1000).unref();
  process.stdout.write(`listening on ${local.url}\n`);
}
