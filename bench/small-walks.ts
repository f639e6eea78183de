// The worker thread of bench/paired-walks.ts: the per-packet walk on the 10-Service cluster
// (iptables or nftables mode), timed in turns with the large cluster's walk on the main thread.
import { writeSync } from "node:fs";
import { workerData } from "node:worker_threads";
import { BRANCHES, EVENTS, LARGE, READY, STOP, type SmallWalkData, TURN, walkTurn } from "./paired-walks.ts";
import { steadyTimeIt } from "./report.ts";
import { smallClusterWalk } from "./services.ts";

const { mode, walks, control, figures } = workerData as SmallWalkData;

function walkInTurns(): void {
  const walk = smallClusterWalk(mode);
  // Settled before the first turn, as the large walk is (see steadyTimeIt).
  steadyTimeIt(() => walk.run());
  control[BRANCHES] = walk.branches;
  control[EVENTS] = walk.events;
  Atomics.store(control, READY, 1);
  Atomics.notify(control, READY);
  for (let t = 0; ; t++) {
    while (Atomics.load(control, TURN) === LARGE) Atomics.wait(control, TURN, LARGE);
    if (Atomics.load(control, TURN) === STOP) return;
    walkTurn(() => walk.run(), walks, figures, t);
    Atomics.store(control, TURN, LARGE);
    Atomics.notify(control, TURN);
  }
}

try {
  walkInTurns();
} catch (e) {
  // Written straight to fd 2: the main thread, blocked in Atomics.wait, relays no worker output.
  writeSync(2, `bench/small-walks.ts: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  Atomics.store(control, READY, -1);
  Atomics.store(control, TURN, STOP);
  Atomics.notify(control, READY);
  Atomics.notify(control, TURN);
}
