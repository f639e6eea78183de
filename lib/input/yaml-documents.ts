// YAML text -> documents whose every value can be traced back to a line and column.
import { type Document, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode } from "yaml";
import type { Origin } from "../model/cluster.ts";
import { InputError, type InputProblem } from "./errors.ts";
import type { SourceFile } from "./source.ts";

export type Path = readonly (string | number)[];

/** A document (or one item of a `kind: List`) with a way to find any of its paths in the file. */
export interface SourceObject {
  readonly value: Record<string, unknown>;
  readonly kind: string;
  readonly file: string;
  /** Position of `path` relative to this object; an unknown path points at its deepest known ancestor. */
  at(path?: Path, key?: string): Origin;
}

/** Aliases allowed per document: enough for real anchors, far below a "billion laughs" expansion. */
const MAX_ALIASES = 1000;

export function parseDocuments(source: SourceFile): SourceObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(source.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: InputProblem[] = [];
  const origin = (offset: number): Origin => ({ file: source.file, ...toLineCol(lineCounter, offset) });
  const docList = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    // parseAllDocuments returns an EmptyStream for a text without documents.
    throw InputError.at(origin(0), "no YAML documents in the file; expected Kubernetes objects or a kubehop Topology");
  }
  for (const doc of docList) {
    for (const e of doc.errors) problems.push({ ...origin(e.pos[0]), message: `YAML syntax: ${firstLine(e.message)}` });
  }
  if (problems.length > 0) throw new InputError(problems);

  const out: SourceObject[] = [];
  for (const doc of docList) {
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      throw InputError.at(origin(doc.contents.range?.[0] ?? 0), `cannot expand the document: ${(e as Error).message}`);
    }
    const locate = (base: Path) => (path: Path = [], key?: string) =>
      origin(offsetOf(doc, [...base, ...path], key));
    if (!isPlainObject(value)) {
      throw InputError.at(origin(doc.contents.range?.[0] ?? 0), "a document must be a mapping with apiVersion and kind");
    }
    if (value.kind === "List" && Array.isArray(value.items)) {
      value.items.forEach((item: unknown, i: number) => {
        const at = locate(["items", i]);
        if (!isPlainObject(item)) throw InputError.at(at(), "a List item must be a mapping with apiVersion and kind");
        out.push(sourceObject(item, source.file, at));
      });
    } else {
      out.push(sourceObject(value, source.file, locate([])));
    }
  }
  if (out.length === 0) {
    throw InputError.at(origin(0), "no YAML documents in the file; expected Kubernetes objects or a kubehop Topology");
  }
  return out;
}

function sourceObject(value: Record<string, unknown>, file: string, at: SourceObject["at"]): SourceObject {
  if (typeof value.kind !== "string" || value.kind === "") {
    throw InputError.at(at(), 'missing "kind"; expected a Kubernetes kind (Pod, Deployment, ...) or Topology');
  }
  return { value, kind: value.kind, file, at };
}

function offsetOf(doc: Document, path: Path, key?: string): number {
  let node: YamlNode | null | undefined = doc.contents as YamlNode | null;
  let offset = node?.range?.[0] ?? 0;
  for (const seg of path) {
    if (!isMap(node) && !isSeq(node)) break;
    const next = node.get(seg, true) as YamlNode | undefined;
    if (!next) {
      // The key may exist with a null value: point at the key itself.
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
        if (pair && isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
      }
      return offset;
    }
    node = next;
    if (next.range) offset = next.range[0];
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (pair && isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
  }
  return offset;
}

function toLineCol(lc: LineCounter, offset: number): { line: number; col: number } {
  const { line, col } = lc.linePos(offset);
  return { line, col };
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
