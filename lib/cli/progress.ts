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
