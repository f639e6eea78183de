// Splits one iptables-save line into words the way iptables-restore and a shell do: whitespace
// separates, quotes group (comments such as `--comment "default/web:http cluster IP"`), and a
// backslash escapes the next character inside double quotes (iptables-save writes `\"`).
import { NetfilterParseError } from "./errors.ts";

export interface Token {
  readonly text: string;
  /** 1-based column of the token's first character in the line, for error positions. */
  readonly col: number;
}

export function tokenize(line: string, file: string, lineNo: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    // Most words hold no quote: they are a slice of the line, with no per-character copying.
    let code = line.charCodeAt(i);
    while (i < n && code !== 32 && code !== 9 && code !== 34 && code !== 39) code = line.charCodeAt(++i);
    if (i >= n || code === 32 || code === 9) {
      tokens.push({ text: line.slice(start, i), col: start + 1 });
      continue;
    }
    let text = line.slice(start, i);
    while (i < n && !isSpace(line.charCodeAt(i))) {
      const c = line[i]!;
      if (c === '"' || c === "'") {
        const open = i;
        i++;
        while (i < n && line[i] !== c) {
          if (c === '"' && line[i] === "\\" && i + 1 < n) i++;
          text += line[i];
          i++;
        }
        if (i >= n) {
          throw new NetfilterParseError(
            file,
            lineNo,
            open + 1,
            `unterminated ${c} quote; close it with ${c} before the end of the line`,
          );
        }
        i++;
      } else {
        text += c;
        i++;
      }
    }
    tokens.push({ text, col: start + 1 });
  }
  return tokens;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}
