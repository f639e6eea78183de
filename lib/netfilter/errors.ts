// Malformed iptables-save text is bad input: it is reported with its position, never as a stack
// trace. A rule that is well-formed but uses something kubehop does not simulate is not an error:
// it becomes a warning (see parser.ts).

export class NetfilterParseError extends Error {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The message without the position, e.g. `"10.0.0.300" is not an IPv4 address ...`. */
  readonly detail: string;
  constructor(file: string, line: number, col: number, detail: string) {
    super(`${file}:${line}:${col}: ${detail}`);
    this.name = "NetfilterParseError";
    this.file = file;
    this.line = line;
    this.col = col;
    this.detail = detail;
  }
}
