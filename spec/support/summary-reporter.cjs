// CI reads a plain "N passed, N failed" line, not mocha's own summary.
const Mocha = require("mocha");
const { EVENT_RUN_END } = Mocha.Runner.constants;
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats ?? {};
      process.stdout.write(
        `${s.passes ?? 0} passed, ${s.failures ?? 0} failed${s.pending ? `, ${s.pending} skipped` : ""}\n`,
      );
    });
  }
}
module.exports = SummaryReporter;
