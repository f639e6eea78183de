// Malformed iptables-save text is bad input: it is reported with its position, never as a stack
// trace. A rule that is well-formed but uses something kubehop does not simulate is not an error:
// it becomes a warning (see parser.ts).
import { type Diagnostic, diagnostic, formatDiagnostic } from "../model/diagnostic.ts";

export class NetfilterParseError extends Error {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The message without the position, e.g. `"10.0.0.300" is not an IPv4 address ...`. */
  readonly detail: string;
  /** The same, as the error diagnostic iptables-syntax. */
  readonly diagnostic: Diagnostic;
  constructor(file: string, line: number, col: number, detail: string) {
    const d = diagnostic("iptables-syntax", { file, line, col }, detail);
    super(formatDiagnostic(d));
    this.diagnostic = d;
    this.name = "NetfilterParseError";
    this.file = file;
    this.line = line;
    this.col = col;
    this.detail = detail;
  }
}
