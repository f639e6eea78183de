// Regular expressions that users write: ingress-nginx paths in regex mode (use-regex or
// rewrite-target) with the rewrite's captures, and canary-by-header-pattern. They run on RE2
// (re2js, pure JavaScript), whose matching is linear in the subject: no pattern can make a trace
// hang the way `(a+)+$` does on a backtracking engine such as JavaScript's own. nginx runs them on
// PCRE, which RE2 reads in all but a few features (backreferences, lookaround, atomic groups,
// possessive quantifiers, recursion): a pattern that uses one is a regex-unsupported warning where
// the Ingress is read, and matches nothing in a trace, which says why.
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { Ingress } from "../model/ingress.ts";
import type { Origin } from "../model/origin.ts";
import { RE2JS } from "re2js";
import { ANNOTATION_PREFIX, parseAnnotations } from "./annotations.ts";

export type UserRegex = { readonly re: RE2JS } | { readonly unsupported: string };

/** PCRE features RE2 leaves out, by how they are written. */
const PCRE_ONLY: readonly [RegExp, string][] = [
  [/\(\?<[=!]/, "a lookbehind"],
  [/\(\?[=!]/, "a lookahead"],
  [/\\[1-9]|\\k[<{']|\\g\{?-?\d/, "a backreference"],
  [/\(\?>/, "an atomic group"],
  [/[*+?}]\+/, "a possessive quantifier"],
  [/\(\?(?:R|[+-]?\d|\(|&)/, "a recursion or a conditional"],
];

const compiled = new Map<string, UserRegex>();
/** Patterns come from a topology's Ingresses, so few; the bound only keeps a long-lived library process small. */
const CACHE_LIMIT = 1000;

export function userRegex(pattern: string, caseInsensitive: boolean): UserRegex {
  const key = `${caseInsensitive ? "i" : "-"}${pattern}`;
  let r = compiled.get(key);
  if (r) return r;
  try {
    r = { re: RE2JS.compile(pattern, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0) };
  } catch (e) {
    const pcre = PCRE_ONLY.find(([re]) => re.test(pattern));
    r = {
      unsupported: pcre
        ? `uses ${pcre[1]}, which nginx's PCRE has and kubehop's RE2 engine does not`
        : `is not a regular expression RE2 reads (${(e as Error).message})`,
    };
  }
  if (compiled.size >= CACHE_LIMIT) compiled.clear();
  compiled.set(key, r);
  return r;
}

/** The first match in `subject`: the whole match and its groups ("" for a group that took no part), or null. */
export function findIn(r: UserRegex, subject: string): string[] | null {
  if (!("re" in r)) return null;
  const m = r.re.matcher(subject);
  if (!m.find()) return null;
  const groups: string[] = [];
  for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g) ?? "");
  return groups;
}

export function matchesIn(r: UserRegex, subject: string): boolean {
  return "re" in r && r.re.matcher(subject).find();
}

/**
 * regex-unsupported warnings for an Ingress's own patterns: its paths when its annotations put its
 * host in regex mode (nginx matches them as `~* "^path"`), and its canary-by-header-pattern.
 */
export function ingressRegexDiagnostics(
  ing: Ingress,
  pathAt: (rule: number, path: number) => Origin,
  annotationAt: (key: string) => Origin,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const anns = parseAnnotations(ing);
  if (anns.useRegex || anns.rewriteTarget !== "") {
    ing.rules.forEach((rule, ri) => {
      rule.paths?.forEach((p, pi) => {
        const r = userRegex(`^${p.path}`, true);
        if ("unsupported" in r)
          out.push(
            diagnostic(
              "regex-unsupported",
              pathAt(ri, pi),
              `path ${JSON.stringify(p.path)} ${r.unsupported}; in a trace it matches no request`,
              "write the path without it (RE2 syntax), or check this route by hand",
            ),
          );
      });
    });
  }
  const key = `${ANNOTATION_PREFIX}canary-by-header-pattern`;
  const pattern = ing.annotations[key];
  if (pattern !== undefined) {
    const r = userRegex(pattern, false);
    if ("unsupported" in r)
      out.push(
        diagnostic(
          "regex-unsupported",
          annotationAt(key),
          `${key}: ${JSON.stringify(pattern)} ${r.unsupported}; in a trace no header value matches it`,
        ),
      );
  }
  return out;
}
