// IPv4 addresses written with leading zeros (`010.001.002.003`). Kubernetes parses them with
// ParseIPSloppy, as decimal (Go's parser before 1.17), so the API server stores them as written and
// kube-proxy programs 10.1.2.3; inet_aton (iptables, ping) would read them as octal. kubehop reads
// them as kube-proxy does, normalised in place, and says so: the same text means another address to
// other tools.
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { Path, SourceObject } from "./source-object.ts";

/** An address (or CIDR) with a leading zero in some octet, somewhere in the text: worth a walk. */
const ANY_LEADING_ZERO = /(?<![\w.])(?=(?:\d{1,3}\.){3}\d{1,3}(?![\w.]))(?:\d{1,3}\.){0,3}0\d/;
const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/\d{1,2})?$/;
/** Where a Kubernetes object holds addresses; metadata (labels, annotations) is not read for them. */
const ADDRESS_FIELDS = ["spec", "status", "subsets", "endpoints"];

export function hasLeadingZeroAddress(text: string): boolean {
  return ANY_LEADING_ZERO.test(text);
}

/** Rewrites the object's leading-zero addresses as decimal; one diagnostic per address. */
export function normaliseLeadingZeros(src: SourceObject): Diagnostic[] {
  const notes: Diagnostic[] = [];
  const md = src.value.metadata as { name?: unknown; namespace?: unknown } | undefined;
  const name = [md?.namespace, md?.name].filter((x) => typeof x === "string").join("/");
  const walk = (value: unknown, path: Path): unknown => {
    if (typeof value === "string") {
      const fixed = decimal(value);
      if (fixed === undefined) return value;
      notes.push(
        diagnostic(
          "ip-leading-zero",
          src.at(path),
          `${src.kind} ${name}: "${value}" has leading zeros: Kubernetes reads it as ${fixed} (decimal), as ` +
            `kube-proxy programs it; iptables and ping would read it as octal`,
          `write ${fixed}`,
        ),
      );
      return fixed;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = walk(value[i], [...path, i]);
    } else if (value !== null && typeof value === "object") {
      const obj = value as Record<string, unknown>;
      for (const k of Object.keys(obj)) obj[k] = walk(obj[k], [...path, k]);
    }
    return value;
  };
  for (const field of ADDRESS_FIELDS) if (field in src.value) src.value[field] = walk(src.value[field], [field]);
  return notes;
}

function decimal(text: string): string | undefined {
  const m = DOTTED.exec(text);
  if (!m?.slice(1, 5).some((o) => o.length > 1 && o.startsWith("0"))) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return `${octets.join(".")}${m[5] ?? ""}`;
}
