// A child of `npm run bench -- services`: one round of a per-packet figure on the 10-Service
// cluster (iptables or nftables mode, the argument), in a process whose JIT has seen no other
// cluster (see smallClusterRound). Prints it as JSON.
import { measureSmallClusterWalk } from "./services.ts";

const mode = process.argv[2];
if (mode !== "iptables" && mode !== "nftables")
  throw new Error(`bench/small-walks.ts: mode ${mode}: iptables or nftables`);
process.stdout.write(`${JSON.stringify(measureSmallClusterWalk(mode))}\n`);
