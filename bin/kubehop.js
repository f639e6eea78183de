#!/usr/bin/env node
// kubehop runs from its TypeScript sources: tsx registers the loader, so a checkout needs no build step.
import { register } from "tsx/esm/api";

register();
// `kubehop ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import("../lib/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
