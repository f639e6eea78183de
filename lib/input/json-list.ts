// A pretty-printed `kubectl get -o json` List (the usual one: "items" a top-level key, each item
// starting on its own line at one indentation) cut into its items at those lines and each item
// parsed alone. That gives every item's position without scanning 100s of MB character by character.
// Nothing is assumed: the cut must tile the array exactly (each piece parses as an object, only a
// comma and white space between them) and the List around it must parse with the items left out,
// which makes the result the same as JSON.parse of the whole; otherwise undefined, and the caller
// reads the text the general way.
import { isPlainObject } from "./source-object.ts";
import { skipSpace, skipValue } from "./json-positions.ts";

export interface SplitList {
  readonly value: Record<string, unknown>;
  /** Offsets of the items' `[` and `]`, and of each item's `{`. */
  readonly open: number;
  readonly close: number;
  readonly items: readonly number[];
}

export function splitList(text: string, start: number): SplitList | undefined {
  const open = itemsBracket(text, start);
  if (open === undefined) return undefined;
  const first = skipSpace(text, open + 1);
  const itemIndent = indentBefore(text, first);
  if (text[first] !== "{" || itemIndent === undefined) return undefined;
  // The `]` stands at the start of a line indented as the line of `"items": [`.
  const openLine = text.lastIndexOf("\n", open) + 1;
  const listIndent = text.slice(openLine, openLine + leadingSpaces(text, openLine));
  const closeLine = text.indexOf(`\n${listIndent}]`, first);
  if (closeLine < 0) return undefined;
  const close = closeLine + 1 + listIndent.length;
  const starts = [first];
  const itemLine = `\n${itemIndent}{`;
  for (let i = text.indexOf(itemLine, first); i >= 0 && i < closeLine; i = text.indexOf(itemLine, i + 1))
    starts.push(i + itemLine.length - 1);
  const items: unknown[] = [];
  for (let k = 0; k < starts.length; k++) {
    let end = lastNonSpace(text, (starts[k + 1] ?? close) - 1);
    if (k + 1 < starts.length) {
      if (text[end] !== ",") return undefined;
      end = lastNonSpace(text, end - 1);
    }
    if (text[end] !== "}") return undefined;
    try {
      items.push(JSON.parse(text.slice(starts[k], end + 1)));
    } catch {
      return undefined;
    }
  }
  const around = text.slice(start, open + 1) + text.slice(close);
  // A second "items" (even as text) could make JSON.parse of the whole keep another array.
  if (around.indexOf('"items"') !== around.lastIndexOf('"items"')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(around);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value) || !Array.isArray(value.items) || value.items.length > 0) return undefined;
  value.items = items;
  return { value, open, close, items: starts };
}

/** The `[` of the document's top-level "items", reached past the (small) members before it. */
function itemsBracket(text: string, start: number): number | undefined {
  if (text[start] !== "{") return undefined;
  for (let i = skipSpace(text, start + 1); text[i] === '"'; ) {
    const keyEnd = skipValue(text, i);
    if (keyEnd < 0) return undefined;
    const key = text.slice(i + 1, keyEnd - 1);
    const colon = skipSpace(text, keyEnd);
    if (text[colon] !== ":") return undefined;
    const value = skipSpace(text, colon + 1);
    if (key === "items") return text[value] === "[" ? value : undefined;
    const end = skipValue(text, value);
    if (end < 0) return undefined;
    i = skipSpace(text, end);
    if (text[i] !== ",") return undefined;
    i = skipSpace(text, i + 1);
  }
  return undefined;
}

/** The spaces between the start of `at`'s line and `at`, when nothing else is there. */
function indentBefore(text: string, at: number): string | undefined {
  const lineStart = text.lastIndexOf("\n", at - 1) + 1;
  if (lineStart === 0) return undefined;
  const indent = text.slice(lineStart, at);
  return /^ *$/.test(indent) ? indent : undefined;
}

function leadingSpaces(text: string, at: number): number {
  let n = 0;
  while (text[at + n] === " ") n++;
  return n;
}

function lastNonSpace(text: string, i: number): number {
  while (i > 0 && " \n\r\t".includes(text[i]!)) i--;
  return i;
}
