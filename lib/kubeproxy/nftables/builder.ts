// Collects a table's objects in the order kube-proxy's transaction creates them; a chain or set
// named twice is the same object (ensureChain), its rules and elements appended in order.
import { commentText } from "./comment.ts";
import type { NftBaseChain, NftElement, NftPart, NftRule, NftSet, NftTable } from "./table.ts";

type SetDeclaration = Omit<NftSet, "elements" | "name">;

export class TableBuilder {
  private readonly sets = new Map<string, { decl: SetDeclaration; elements: NftElement[] }>();
  private readonly chains = new Map<string, { base?: NftBaseChain; comment?: string; rules: NftRule[] }>();

  set(name: string, decl: SetDeclaration): void {
    if (!this.sets.has(name)) this.sets.set(name, { decl, elements: [] });
  }

  element(set: string, element: NftElement): void {
    const s = this.sets.get(set);
    if (!s) throw new Error(`element for undeclared set ${set}`);
    s.elements.push(element.comment === undefined ? element : { ...element, comment: commentText(element.comment) });
  }

  chain(name: string, extra: { base?: NftBaseChain; comment?: string } = {}): void {
    if (this.chains.has(name)) return;
    const comment = extra.comment === undefined ? {} : { comment: commentText(extra.comment) };
    this.chains.set(name, { ...extra, ...comment, rules: [] });
  }

  /** A rule of literal text, or of pieces (see NftPart) joined by spaces. */
  rule(chain: string, parts: string | readonly NftPart[], comment?: string): void {
    this.chain(chain);
    const rule = { parts: typeof parts === "string" ? [parts] : parts };
    this.chains.get(chain)!.rules.push(comment === undefined ? rule : { ...rule, comment: commentText(comment) });
  }

  build(name: string, comment: string): NftTable {
    return {
      family: "ip",
      name,
      comment,
      sets: [...this.sets].map(([n, s]) => ({ ...s.decl, name: n, elements: s.elements })),
      chains: [...this.chains].map(([n, c]) => ({ name: n, ...c })),
    };
  }
}

/**
 * A table made of a node's fixed objects and its service ports' parts: the parts' elements of the
 * fixed sets appended in order, their own sets and chains after the fixed ones, shared as they are.
 */
export function compose(fixed: NftTable, parts: readonly Pick<NftTable, "sets" | "chains">[]): NftTable {
  const elements = new Map(fixed.sets.map((s) => [s.name, [...s.elements]]));
  const own: NftSet[] = [];
  const chains = [...fixed.chains];
  for (const part of parts) {
    for (const s of part.sets) {
      const list = elements.get(s.name);
      if (list === undefined) own.push(s);
      else for (const e of s.elements) list.push(e);
    }
    for (const c of part.chains) chains.push(c);
  }
  return { ...fixed, sets: [...fixed.sets.map((s) => ({ ...s, elements: elements.get(s.name)! })), ...own], chains };
}
