// YAML text -> documents whose every value can be traced back to a line and column.
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Node as YamlNode,
} from "yaml";
import type { Origin } from "../model/cluster.ts";
import type { Diagnostic } from "../model/diagnostic.ts";
import { InputError, type InputProblem, problem } from "./errors.ts";
import { parseJsonDocuments } from "./json-documents.ts";
import { readPaste } from "./pasted-text.ts";
import { documentObjects, type Path, type SourceObject } from "./source-object.ts";
import type { SourceFile } from "./source.ts";

export type { Path, SourceObject } from "./source-object.ts";

/** Aliases allowed per document: enough for real anchors, far below a "billion laughs" expansion. */
const MAX_ALIASES = 1000;
/** Values aliases may add to one document when expanded; beyond this it is refused before expansion. */
const MAX_ALIAS_EXPANSION = 100_000;

/**
 * kubectl's `-o json` through JSON.parse (JSON is YAML, read an order of magnitude faster), all
 * other YAML through the YAML library: one parser for YAML, never a second opinion on its grammar.
 */
export function parseDocuments(source: SourceFile): SourceObject[] {
  return readDocuments(source).objects;
}

/** The objects, and what was read past to find them (a terminal paste's prompts, warnings, tables). */
export function readDocuments(source: SourceFile): { objects: SourceObject[]; notes: readonly Diagnostic[] } {
  const json = parseJsonDocuments(source);
  if (json) return { objects: json, notes: [] };
  const paste = readPaste(source.file, source.text);
  if (!paste) return { objects: parseYamlDocuments(source), notes: [] };
  return { objects: parseYamlDocuments({ file: source.file, text: paste.text }), notes: paste.diagnostics };
}

function parseYamlDocuments(source: SourceFile): SourceObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(source.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: InputProblem[] = [];
  const origin = (offset: number): Origin => ({ file: source.file, ...toLineCol(lineCounter, offset) });
  const docList = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    // parseAllDocuments returns an EmptyStream for a text without documents.
    throw InputError.at(
      origin(0),
      "no YAML documents in the file; expected Kubernetes objects or a kubehop Topology",
      "input-syntax",
    );
  }
  for (const doc of docList) {
    for (const e of doc.errors)
      problems.push(problem("input-syntax", origin(e.pos[0]), `YAML syntax: ${firstLine(e.message)}`));
  }
  if (problems.length > 0) throw new InputError(problems);

  const out: SourceObject[] = [];
  for (const doc of docList) {
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    const bomb = aliasBomb(doc);
    if (bomb) {
      throw InputError.at(
        origin(bomb.offset),
        `alias *${bomb.name} makes the document expand to more than ${MAX_ALIAS_EXPANSION} values ("billion ` +
          `laughs"); refused. Use fewer nested aliases or write the values out`,
        "input-syntax",
      );
    }
    const complex = complexKey(doc);
    if (complex) {
      throw InputError.at(
        origin(complex.offset),
        `a mapping key is a ${complex.shape}, not text (a YAML complex key); Kubernetes objects and kubehop's ` +
          "Topology take only text keys: write the key as text",
        "input-syntax",
      );
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      throw InputError.at(
        origin(doc.contents.range?.[0] ?? 0),
        `cannot expand the document: ${(e as Error).message}`,
        "input-syntax",
      );
    }
    const locate =
      (base: Path) =>
      (path: Path = [], key?: string) =>
        origin(offsetOf(doc, [...base, ...path], key));
    for (const obj of documentObjects(value, source.file, locate)) out.push(obj);
  }
  if (out.length === 0) {
    throw InputError.at(
      origin(0),
      "no YAML documents in the file; expected Kubernetes objects or a kubehop Topology",
      "input-syntax",
    );
  }
  return out;
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

/**
 * The first key that is a sequence or a mapping (itself or through an alias): JavaScript would turn it
 * into "[object Object]" text, and the YAML library warns on the console. Walked without recursion.
 */
function complexKey(doc: Document): { offset: number; shape: string } | undefined {
  const stack: unknown[] = [doc.contents];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isCollection(node) || seen.has(node)) continue;
    seen.add(node);
    for (const item of node.items) {
      if (!isPair(item)) {
        stack.push(item);
        continue;
      }
      const key = isAlias(item.key) ? item.key.resolve(doc) : item.key;
      if (isCollection(key)) {
        const at = (item.key as YamlNode).range?.[0] ?? key.range?.[0] ?? 0;
        return { offset: at, shape: isSeq(key) ? "sequence" : "mapping" };
      }
      stack.push(item.value);
    }
  }
  return undefined;
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
