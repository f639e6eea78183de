// Tidy on every way out. An emulation registers its teardown before it creates its first namespace;
// SIGINT, SIGTERM, SIGHUP and a normal or failing exit then remove whatever exists so far. The
// listeners stay for the life of the process: removing a listener while a signal waits for the event
// loop (the build runs synchronous commands) would drop that signal, and the process would go on.
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const EXIT_CODE: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

interface Registered {
  readonly teardown: () => void;
  readonly log: (line: string) => void;
}

const registered = new Set<Registered>();
let installed = false;
let interruptsToChild = false;

/** Runs `teardown` on a signal or at exit until the returned function unregisters it. */
export function tearDownOnExit(teardown: () => void, log: (line: string) => void = () => {}): () => void {
  install();
  const entry = { teardown, log };
  registered.add(entry);
  return () => registered.delete(entry);
}

/** While `emulate --shell` runs, Ctrl-C is the shell's: SIGINT does not remove the emulation under it. */
export function giveInterruptsToChild(on: boolean): void {
  interruptsToChild = on;
}

function install(): void {
  if (installed) return;
  installed = true;
  const onSignal = (sig: NodeJS.Signals) => {
    if (sig === "SIGINT" && interruptsToChild) return;
    for (const r of registered) r.log(`${sig}: removing the emulation`);
    tearDownAll();
    process.exit(EXIT_CODE[sig] ?? 1);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on("exit", tearDownAll);
}

function tearDownAll(): void {
  for (const r of [...registered]) {
    registered.delete(r);
    r.teardown();
  }
}
