#!/usr/bin/env node
// kubehop's command line runs the compiled dist/ (`npm run build`; installing a checkout builds it).
// Also installed as kubectl-kubehop, so that `kubectl kubehop ...` runs it as a kubectl plugin.

import module from "node:module";
import v8 from "node:v8";

// A trace allocates thousands of objects per packet, and nearly all die within the packet's walk.
// V8's allocation-site pretenuring still judges their sites long-lived (--trace-pretenuring shows
// found/created ratios of 1.0), allocates them in the old space, and from there each keeps the rest
// of its walk alive through the next scavenges: a quarter of all that is allocated gets promoted, and
// a packet's walk through a node's nft rules costs three times as much (npm run bench, services).
// Set before any of kubehop is loaded, so that no site is judged.
v8.setFlagsFromString("--no-allocation-site-pretenuring");

// `kubehop ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
// Node 22.1+ keeps V8's compiled code between runs (in its own temporary folder): later starts skip
// compiling the bundle. Node 20 has no such cache, and this line does nothing there.
module.enableCompileCache?.();
const entry = new URL("../dist/bundle/main.js", import.meta.url);
const { main, internalError } = await import(entry.href).catch((e) => {
  // A checkout installed with --ignore-scripts has no dist/ yet: say so rather than print a stack.
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || e.url !== entry.href) throw e;
  process.stderr.write("kubehop: dist/ is not built: run `npm run build` in the kubehop folder\n");
  process.exit(2);
});
// An exception outside the command's own promise (an event handler, a stray rejection) is a bug as
// much as one inside it: the same one line and exit 3, not Node's stack trace.
const crash = (e) => process.exit(internalError(e, "kubehop", (s) => process.stderr.write(s)));
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);
process.exitCode = await main(process.argv.slice(2));
