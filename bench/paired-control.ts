// A child of `npm run bench -- services`: the turn-taking method measured against itself. The
// 10-Service walk runs on both sides (the main thread of this fresh process and the worker), so
// the ratio shows the method's own error; the large cluster's ratio is read against it. Prints
// the pairs' ratios as JSON.
import { type Mode, pairedWalks } from "./paired-walks.ts";
import { smallClusterWalk } from "./services.ts";

const mode = process.argv[2];
if (mode !== "iptables" && mode !== "nftables")
  throw new Error(`bench/paired-control.ts: mode ${mode}: iptables or nftables`);
const walk = smallClusterWalk(mode as Mode);
process.stdout.write(`${JSON.stringify(pairedWalks(mode as Mode, () => walk.run()).ratios)}\n`);
