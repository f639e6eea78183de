// kubehop's command line from the sources in a process of its own, for the specs that signal it, run
// it as another user or watch what it leaves behind: `node --import tsx spec/support/cli-process.ts ARGS`.
import { main } from "../../lib/cli/main.ts";

process.exitCode = await main(process.argv.slice(2));
