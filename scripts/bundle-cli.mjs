// The command line as a few bundled ES modules (dist/bundle/): Node reads and links ~10 files instead
// of ~400 (kubehop's modules and zod's, yaml's, ip-num's and d3's), which halves a command's start-up.
// Commands stay separate chunks, loaded when they run; jsdom stays outside (it reads its own files).
import { build } from "esbuild";

await build({
  entryPoints: ["lib/cli/main.ts"],
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["jsdom"],
  sourcemap: true,
  // Less text for V8 to scan at every start (~8% of a curl's CPU); names are kept, so stack traces
  // still read, and the source map leads back to lib/.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  // Bundled CommonJS packages (yaml) call require() for Node's own modules; ES modules have none.
  banner: {
    js: "import { createRequire as __kubehopCreateRequire } from 'node:module'; const require = __kubehopCreateRequire(import.meta.url);",
  },
});
