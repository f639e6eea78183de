// YAML text -> documents whose every value can be traced back to a line and column.
import { type Document, isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode } from "yaml";
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
/** Values aliases may add to one document when expanded; beyond this it is refused before expansion. */
const MAX_ALIAS_EXPANSION = 100_000;

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
    const bomb = aliasBomb(doc);
    if (bomb) {
      throw InputError.at(origin(bomb.offset), `alias *${bomb.name} makes the document expand to more than ${MAX_ALIAS_EXPANSION} values ("billion laughs"); refused. Use fewer nested aliases or write the values out`);
    }
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
    if (value.kind === "List" && !Array.isArray(value.items)) {
      throw InputError.at(locate(["items"])(), "a List needs items: a sequence of Kubernetes objects");
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
  if (value.kind !== undefined && value.kind !== null && typeof value.kind !== "string") {
    throw InputError.at(at(["kind"]), `kind must be text, not ${JSON.stringify(value.kind)}; expected a Kubernetes kind (Pod, Deployment, ...) or Topology`);
  }
  if (typeof value.kind !== "string" || value.kind === "") {
    throw InputError.at(at(), 'missing "kind"; expected a Kubernetes kind (Pod, Deployment, ...) or Topology');
  }
  return { value, kind: value.kind, file, at };
}

/**
 * The alias at which expanding the document would pass MAX_ALIAS_EXPANSION values, counted without
 * expanding anything (each node's expanded size is computed once), so an alias bomb is refused fast.
 */
function aliasBomb(doc: Document): { offset: number; name: string } | undefined {
  const sizes = new Map<unknown, number>();
  const size = (node: unknown): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      return target === undefined ? 1 : size(target);
    }
    if (isPair(node)) return size(node.key) + size(node.value);
    if (!isCollection(node)) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    sizes.set(node, 1); // an alias inside its own anchor counts once
    let total = 1;
    for (const item of node.items) total = Math.min(total + size(item), Number.MAX_SAFE_INTEGER);
    sizes.set(node, total);
    return total;
  };
  let added = 0;
  const walk = (node: unknown): { offset: number; name: string } | undefined => {
    if (isAlias(node)) {
      added += size(node);
      return added > MAX_ALIAS_EXPANSION ? { offset: node.range?.[0] ?? 0, name: node.source } : undefined;
    }
    if (isPair(node)) return walk(node.key) ?? walk(node.value);
    if (isCollection(node)) {
      for (const item of node.items) {
        const hit = walk(item);
        if (hit) return hit;
      }
    }
    return undefined;
  };
  return walk(doc.contents);
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
