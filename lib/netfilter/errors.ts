// Text kubehop cannot read as rules at all is bad input: reported with its position, never as a
// stack trace. Within readable text, a line that cannot be read is not an error but a warning at
// that line, and the rest is read (see parser.ts); a rule that is well-formed but uses something
// kubehop does not simulate is a warning too.
import { type Diagnostic, diagnostic, formatDiagnostic } from "../model/diagnostic.ts";

export class NetfilterParseError extends Error {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The message without the position, e.g. `"10.0.0.300" is not an IPv4 address ...`. */
  readonly detail: string;
  /** The first error as a diagnostic: iptables-syntax unless `all` says otherwise. */
  readonly diagnostic: Diagnostic;
  /** Every error the text has (an `iptables -L` listing per table), the first being `diagnostic`. */
  readonly diagnostics: readonly Diagnostic[];
  constructor(file: string, line: number, col: number, detail: string, all?: readonly Diagnostic[]) {
    const d = all?.[0] ?? diagnostic("iptables-syntax", { file, line, col }, detail);
    const list = all ?? [d];
    super(list.map(formatDiagnostic).join("\n"));
    this.diagnostic = d;
    this.diagnostics = list;
    this.name = "NetfilterParseError";
    this.file = file;
    this.line = line;
    this.col = col;
    this.detail = d.message;
  }
}
