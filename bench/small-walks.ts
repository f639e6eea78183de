// A child of `npm run bench -- services`: the per-packet figures on the 10-Service cluster, in a
// process whose JIT has seen no other cluster (see smallClusterWalks). Prints them as JSON.
import { measureSmallClusterWalks } from "./services.ts";

process.stdout.write(`${JSON.stringify(measureSmallClusterWalks())}\n`);
