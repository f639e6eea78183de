// What a walk records, made once per rule or element rather than per packet.
import type { NftRule, SetElement } from "./model.ts";

/**
 * Texts a walk records, made once per rule or element rather than per packet: a numgen rule's
 * choices, and a verdict map element's detail and event field.
 */
const choiceTexts = new WeakMap<NftRule, string[]>();
const elementTexts = new WeakMap<SetElement, { detail: string; element: { map: string; text: string } }>();

export function numgenChoice(rule: NftRule, mod: number, v: number): string {
  let texts = choiceTexts.get(rule);
  if (!texts) {
    texts = Array.from({ length: mod }, (_, i) => `${rule.chain} #${rule.index} numgen random mod ${mod} = ${i}`);
    choiceTexts.set(rule, texts);
  }
  return texts[v]!;
}

export function elementText(map: string, el: SetElement): { detail: string; element: { map: string; text: string } } {
  let t = elementTexts.get(el);
  if (!t) elementTexts.set(el, (t = { detail: `vmap ${map}: ${el.text}`, element: { map, text: el.text } }));
  return t;
}
