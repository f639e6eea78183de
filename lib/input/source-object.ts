// What the YAML and JSON readers both hand on: objects that can point back into their file.
import type { Origin } from "../model/cluster.ts";
import { InputError } from "./errors.ts";

export type Path = readonly (string | number)[];

/** A document (or one item of a `kind: List`) with a way to find any of its paths in the file. */
export interface SourceObject {
  readonly value: Record<string, unknown>;
  readonly kind: string;
  readonly file: string;
  /** Position of `path` relative to this object; an unknown path points at its deepest known ancestor. */
  at(path?: Path, key?: string): Origin;
}

/** Finds a path of the document, given the path of one object inside it (`[]`, or `["items", i]`). */
export type Locate = (base: Path) => SourceObject["at"];

/** The objects one document holds: itself, or the items of a `kind: List` (kubectl's `get -o`). */
export function documentObjects(value: unknown, file: string, locate: Locate): SourceObject[] {
  if (!isPlainObject(value))
    throw InputError.at(locate([])(), "a document must be a mapping with apiVersion and kind", "document-shape");
  if (value.kind !== "List") return [sourceObject(value, file, locate([]))];
  if (!Array.isArray(value.items))
    throw InputError.at(locate(["items"])(), "a List needs items: a sequence of Kubernetes objects", "document-shape");
  return value.items.map((item: unknown, i: number) => {
    const at = locate(["items", i]);
    if (!isPlainObject(item))
      throw InputError.at(at(), "a List item must be a mapping with apiVersion and kind", "document-shape");
    return sourceObject(item, file, at);
  });
}

function sourceObject(value: Record<string, unknown>, file: string, at: SourceObject["at"]): SourceObject {
  if (value.kind !== undefined && value.kind !== null && typeof value.kind !== "string") {
    throw InputError.at(
      at(["kind"]),
      `kind must be text, not ${JSON.stringify(value.kind)}; expected a Kubernetes kind (Pod, Deployment, ...) or ` +
        `Topology`,
      "document-shape",
    );
  }
  if (typeof value.kind !== "string" || value.kind === "") {
    throw InputError.at(
      at(),
      'missing "kind"; expected a Kubernetes kind (Pod, Deployment, ...) or Topology',
      "document-shape",
    );
  }
  return { value, kind: value.kind, file, at };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
