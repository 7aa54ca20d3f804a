/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "<rootDir>/__tests__/helpers/test-environment.js",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild.js" },
  moduleFileExtensions: ["ts", "js", "json"],
  // Sized for a 2-core machine that another test run may share: two workers keep both cores busy
  // while one test file waits on terraform, and no more, since terraform itself is CPU-bound.
  maxWorkers: 2,
  // Terraform commands have their own, shorter limits (helpers/terraform-workspace.ts: 180 s init,
  // 600 s test) that kill the command and name it; this one only catches what is not terraform.
  testTimeout: 1_200_000,
};
