// kubectl's `-o json` (one document, often a `kind: List`, or several one after another) read with
// JSON.parse, which is many times faster than composing the same text as YAML. JSON.parse keeps no
// positions, so they are found only when asked for: by scanning the objects on the asked path.
// Text that is not plain JSON returns undefined and is read as YAML, which reports its errors.
import type { Origin } from "../model/cluster.ts";
import { InputError } from "./errors.ts";
import { JsonPositions, skipSpace, skipValue } from "./json-positions.ts";
import { splitList } from "./json-list.ts";
import { LineIndex } from "./line-index.ts";
import { documentObjects, type Path, type SourceObject } from "./source-object.ts";
import type { SourceFile } from "./source.ts";

export function parseJsonDocuments(source: SourceFile): SourceObject[] | undefined {
  const positions = new JsonPositions(source.text);
  const docs = jsonValues(source.text, positions);
  if (docs === undefined) return undefined;
  const lines = new LineIndex(source.text);
  const origin = (offset: number): Origin => ({ file: source.file, ...lines.lineCol(offset) });
  const out: SourceObject[] = [];
  for (const doc of docs) {
    const locate =
      (base: Path) =>
      (path: Path = [], key?: string) =>
        origin(positions.offsetOf(doc.offset, [...base, ...path], key));
    for (const obj of documentObjects(doc.value, source.file, locate)) out.push(obj);
  }
  if (out.length === 0)
    throw InputError.at(
      origin(docs[0]!.offset),
      "no objects in the List; expected Kubernetes objects or a kubehop Topology",
      "input-syntax",
    );
  return out;
}

/** The documents as values with where each starts, or undefined when the text is not all JSON objects. */
function jsonValues(text: string, positions: JsonPositions): { value: unknown; offset: number }[] | undefined {
  const first = skipSpace(text, 0);
  if (text[first] !== "{") return undefined;
  const list = splitList(text, first);
  if (list) {
    positions.knownArray(list.open, list.close, list.items);
    return [{ value: list.value, offset: first }];
  }
  try {
    return [{ value: JSON.parse(text), offset: first }];
  } catch {
    // Several documents one after another (`kubectl get pods -o json; kubectl get svc -o json`).
  }
  const out: { value: unknown; offset: number }[] = [];
  for (let at = first; at < text.length; ) {
    if (text[at] !== "{") return undefined;
    const end = skipValue(text, at);
    if (end < 0) return undefined;
    try {
      out.push({ value: JSON.parse(text.slice(at, end)), offset: at });
    } catch {
      return undefined;
    }
    at = skipSpace(text, end);
  }
  return out;
}
