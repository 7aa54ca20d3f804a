/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild.js" },
  moduleFileExtensions: ["ts", "js", "json"],
  testTimeout: 120000,
};
