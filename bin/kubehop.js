#!/usr/bin/env node
// kubehop runs from its TypeScript sources: tsx registers the loader, so a checkout needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../lib/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
