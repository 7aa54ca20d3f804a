// jest's node environment, plus one guard for the worker process it runs in (this file runs
// outside the tests' sandbox, where `process` is the real one): a worker whose jest is gone
// (interrupted) exits instead of finishing its test file, so it starts no more terraform, and
// the watchdogs of helpers/processes.ts kill the terraform it was running. The guard polls with
// an unref'd timer: a 'disconnect' listener would hold the IPC channel open and keep a worker
// from exiting when jest is done with it.
"use strict";
const { TestEnvironment } = require("jest-environment-node");

const GUARD = Symbol.for("ollama-fleet.exit-when-jest-is-gone");

function guardWorker() {
  if (!process.send || globalThis[GUARD]) return;
  globalThis[GUARD] = setInterval(() => {
    if (!process.connected) process.exit(130);
  }, 500);
  globalThis[GUARD].unref();
}

class BoundedEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    guardWorker();
  }
}

module.exports = BoundedEnvironment;
