// Progress for long work, on stderr, only when stderr is a terminal: pipes and CI logs stay clean.
export interface Progress {
  step(done: number): void;
  done(): void;
}

const SILENT: Progress = { step: () => {}, done: () => {} };

export function progress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total <= 0) return SILENT;
  let shown = -1;
  return {
    step(done) {
      const pct = Math.floor((done / total) * 100);
      if (pct === shown) return;
      shown = pct;
      stream.write(`\r${label} ${pct}%`);
    },
    done() {
      stream.write(`\r${label} 100%\n`);
    },
  };
}

/** Which step of a long load we are at, overwritten in place; silent when stderr is not a terminal. */
export function phases(stream: NodeJS.WriteStream = process.stderr): { say(what: string): void; done(): void } {
  if (!stream.isTTY) return { say: () => {}, done: () => {} };
  let width = 0;
  return {
    say(what) {
      stream.write(`\r${what.padEnd(width)}`);
      width = what.length;
    },
    done() {
      stream.write(`\r${" ".repeat(width)}\r`);
    },
  };
}
