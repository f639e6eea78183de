// What an error message may quote of the text it could not read: a short excerpt, escaped. The text
// can be any file a topology or a user named (a stranger's paste, a file holding secrets), and the
// message goes to a terminal and CI logs, so it never carries more than one token's start of it,
// and never a control character or escape sequence that a terminal would act on.

/** How many characters of input (as escaped) a message quotes of a token at most. */
export const EXCERPT_MAX = 40;

/**
 * How much a message quotes of a line that is not what the command prints at all (a line of
 * /etc/passwd, of a key file): enough to recognise the line, not to read it.
 */
export const LINE_START_MAX = 16;

/**
 * `text` in double quotes, JSON-escaped (a quote or backslash behind a backslash, \n, \t, \r),
 * other non-printable characters as \xNN or \uNNNN, cut after `max` escaped characters with "...".
 */
export function excerpt(text: string, max: number = EXCERPT_MAX): string {
  let out = "";
  for (const ch of text) {
    const escaped = escapeChar(ch);
    if (out.length + escaped.length > max) return `"${out}..."`;
    out += escaped;
  }
  return `"${out}"`;
}

const SHORT: Readonly<Record<string, string>> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * C0 and C1 controls, DEL, and the format characters a terminal or an editor acts on unseen
 * (zero-width, bidirectional overrides and isolates, the byte order mark, line and paragraph
 * separators), as [first, last] code points; and a lone surrogate, which is no character at all
 * (`for of` keeps a pair together).
 */
const NON_PRINTABLE: readonly (readonly [number, number])[] = [
  [0x00, 0x1f],
  [0x7f, 0x9f],
  [0xad, 0xad],
  [0x200b, 0x200f],
  [0x2028, 0x202e],
  [0x2060, 0x206f],
  [0xd800, 0xdfff],
  [0xfeff, 0xfeff],
  [0xfff9, 0xfffb],
];

function escapeChar(ch: string): string {
  const short = SHORT[ch];
  if (short !== undefined) return short;
  const code = ch.codePointAt(0)!;
  if (!NON_PRINTABLE.some(([first, last]) => code >= first && code <= last)) return ch;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** The start of a line that is no line of the expected output: its first word, a few characters of it. */
export function excerptStart(line: string): string {
  return excerpt(line.trimStart().split(/[ \t]/)[0]!, LINE_START_MAX);
}

/**
 * For a message that names the text unquoted (a path, a target's name): the text itself when it is
 * printable and at most `max` long, else its excerpt, quoted.
 */
export function asWritten(text: string, max: number = EXCERPT_MAX): string {
  const quoted = excerpt(text, max);
  return quoted === `"${text.replace(/["\\]/g, "\\$&")}"` ? text : quoted;
}
