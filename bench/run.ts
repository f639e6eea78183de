// npm run bench: prints figures, asserts nothing. Targets are in the issues; compare ratios within one run.
import { cliBench } from "./cli.ts";
import { diagramBench } from "./diagram.ts";
import { diffBench } from "./diff.ts";
import { meshLookups, timeTrace } from "./overlay.ts";
import { printTable } from "./report.ts";
import { scaleBench } from "./scale.ts";
import { netfilterWorkBench } from "./netfilter-work.ts";
import { servicesAtScale } from "./services.ts";

// `npm run bench -- services` runs one group only (groups: cli, overlay, services, netfilter, diagram, diff,
// scale).
const only = process.argv[2];
console.error("kubehop bench (figures only; the machine is shared, compare ratios within one run)");
if (!only || only === "cli") cliBench();
if (!only || only === "overlay") {
  timeTrace("small", 3, 3, 3, { load: "-", trace: "-" });
  meshLookups(timeTrace("limits", 5000, 500, 300, { load: "< 10 s, < 2 GB", trace: "< 50 µs" }));
}
if (!only || only === "services") servicesAtScale();
if (!only || only === "netfilter") netfilterWorkBench();
if (!only || only === "diagram") diagramBench();
if (!only || only === "diff") await diffBench();
if (!only || only === "scale") scaleBench();
printTable();
