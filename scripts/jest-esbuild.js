// Jest transformer: TypeScript to CommonJS with esbuild, no type-checking (tsc --noEmit does that
// as its own step of `npm test`). ts-jest's type-checking would dominate test time.
const { transformSync } = require("esbuild");

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: "ts",
      format: "cjs",
      target: "node20",
      sourcemap: "external",
      sourcefile: filename,
    });
    return { code, map };
  },
};
