// Tidy on every way out: Ctrl-C (SIGINT), SIGTERM, SIGHUP and a normal or failing exit all tear the
// emulation down. Returns a function that removes the handlers again.
export function tearDownOnExit(teardown: () => void, log: (line: string) => void = () => {}): () => void {
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: removing the emulation`);
    teardown();
    process.exit(sig === "SIGINT" ? 130 : sig === "SIGTERM" ? 143 : 129);
  };
  const onExit = () => teardown();
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) process.on(s, onSignal);
  process.on("exit", onExit);
  return () => {
    for (const s of signals) process.off(s, onSignal);
    process.off("exit", onExit);
  };
}
