// jest's node environment, plus one guard for the worker process it runs in (this file runs
// outside the tests' sandbox, where `process` is the real one): a worker whose jest is gone
// (interrupted) exits instead of finishing its test file, so it starts no more terraform, and
// the watchdogs of helpers/processes.ts kill the terraform it was running.
"use strict";
const { TestEnvironment } = require("jest-environment-node");

function exitWhenJestIsGone() {
  process.exit(130);
}

class BoundedEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    const guarded = process.listeners("disconnect").some((listener) => listener.name === exitWhenJestIsGone.name);
    if (process.send && !guarded) process.on("disconnect", exitWhenJestIsGone);
  }
}

module.exports = BoundedEnvironment;
