// What the report's page script shows of each trace: per branch its outcome and its hops, per hop
// the words the text trace prints (the deciding step's action, the header change, the reason) and
// every step with its rule. Hops repeat across branches (the trunk they share), so each distinct hop
// is written once and branches list their hops by number; and the same words recur across hops (a
// reason, a rule), so each distinct string is written once too and hops hold their numbers (a
// third of the size on the default topology). Embedded as JSON in a <script> element.
import { stepChangesText } from "../output/header-change.ts";
import { decidingStep, headerChange } from "../output/hop-summary.ts";
import { formatProbability } from "../output/trace-text.ts";
import { type Branch, type Hop, isSuccess, type Leg, type Trace } from "../trace/types.ts";

export interface StepData {
  readonly type: string;
  readonly action: string;
  readonly reason: string;
  readonly rule?: string;
  /** How the step changed the headers, as the trace's braces say it. */
  readonly changes?: string;
}

export interface HopData {
  readonly location: string;
  /** The TCP connection, where an L7 proxy split the path. */
  readonly segment?: number;
  /** The packet as it arrived: `tcp 198.51.100.10:40000 -> 203.0.113.10:443`. */
  readonly packet?: string;
  /** What the hop did to the headers as a whole (hop-summary.ts). */
  readonly change?: string;
  /** The index of the step that decided what happened here. */
  readonly decides: number;
  /** The leg failed at this hop. */
  readonly failed?: true;
  readonly steps: readonly StepData[];
}

export interface LegData {
  readonly disposition: string;
  readonly ok: boolean;
  readonly reason: string;
  readonly rule?: string;
  /** Indexes into ReportData.hops. */
  readonly hops: readonly number[];
}

export interface BranchData extends LegData {
  readonly probability: string;
  readonly choices: readonly string[];
  readonly reply?: LegData;
  /** `HTTP 200 from shop/cart-x; upstream GET /api/cart (Host: shop.example.com)`. */
  readonly http?: string;
}

export interface RequestData {
  /** The section's id: `curl-1`. */
  readonly id: string;
  readonly command: string;
  readonly branches: readonly BranchData[];
}

/** A step as `[type, action, reason, rule, changes]`, each a number in ReportData.strings ("" = 0: none). */
export type PackedStep = readonly [number, number, number, number, number];
/** A hop as `[location, packet, change, decides, failed (1/0), segment (0: none), steps]`, strings by number. */
export type PackedHop = readonly [number, number, number, number, 0 | 1, number, readonly PackedStep[]];

export interface ReportData {
  readonly requests: readonly RequestData[];
  /** Every distinct string of the hops, in the order first seen; 0 is "". */
  readonly strings: readonly string[];
  readonly hops: readonly PackedHop[];
}

/** Numbers things in the order first seen, so the same traces give the same numbers. */
class Table<T> {
  readonly items: T[] = [];
  readonly #index = new Map<string, number>();

  add(key: string, item: () => T): number {
    let i = this.#index.get(key);
    if (i === undefined) {
      i = this.items.length;
      this.items.push(item());
      this.#index.set(key, i);
    }
    return i;
  }
}

/** Distinct hops, each packed with its strings numbered. */
class HopTable {
  readonly #strings = new Table<string>();
  readonly #hops = new Table<PackedHop>();

  constructor() {
    this.#strings.add("", () => "");
  }

  get strings(): string[] {
    return this.#strings.items;
  }

  get hops(): PackedHop[] {
    return this.#hops.items;
  }

  add(hop: HopData): number {
    const n = (s: string | undefined) => this.#strings.add(s ?? "", () => s ?? "");
    return this.#hops.add(JSON.stringify(hop), () => [
      n(hop.location),
      n(hop.packet),
      n(hop.change),
      hop.decides,
      hop.failed ? 1 : 0,
      hop.segment ?? 0,
      hop.steps.map((s): PackedStep => [n(s.type), n(s.action), n(s.reason), n(s.rule), n(s.changes)]),
    ]);
  }
}

function hopData(hop: Hop, failed: boolean): HopData {
  const first = hop.steps[0]?.before;
  const change = headerChange(hop);
  return {
    location: hop.location,
    ...(hop.segment !== undefined ? { segment: hop.segment } : {}),
    ...(first ? { packet: `${first.proto} ${first.src} -> ${first.dst}` } : {}),
    ...(change ? { change } : {}),
    decides: decidingStep(hop, failed),
    ...(failed ? { failed: true as const } : {}),
    steps: hop.steps.map((s) => {
      const changes = stepChangesText(s);
      return {
        type: s.type,
        action: s.action,
        reason: s.reason,
        ...(s.rule ? { rule: s.rule } : {}),
        ...(changes ? { changes } : {}),
      };
    }),
  };
}

function legData(leg: Leg, table: HopTable): LegData {
  const last = leg.hops.length - 1;
  return {
    disposition: leg.disposition,
    ok: isSuccess(leg.disposition),
    reason: leg.reason,
    ...(leg.rule ? { rule: leg.rule } : {}),
    hops: leg.hops.map((h, i) => table.add(hopData(h, !isSuccess(leg.disposition) && i === last))),
  };
}

function httpText(b: Branch): string | undefined {
  const h = b.http;
  if (!h) return undefined;
  const parts = [`HTTP ${h.status}`];
  if (h.gateway) parts.push(`Gateway ${h.gateway}${h.listener ? ` listener ${h.listener}` : ""}`);
  if (h.route) parts.push(`route ${h.route}${h.rule ? ` rule ${h.rule.name ?? h.rule.index}` : ""}`);
  if (h.ingress) parts.push(`Ingress ${h.ingress}${h.path ? ` ${h.path} (${h.pathType ?? "?"})` : ""}`);
  if (h.pod) parts.push(`pod ${h.pod}`);
  if (h.location) parts.push(`Location ${h.location}`);
  if (h.upstream) parts.push(`upstream ${h.upstream.method} ${h.upstream.path} (Host: ${h.upstream.host})`);
  if (h.clientIP) parts.push(`client IP seen ${h.clientIP}`);
  return parts.join("; ");
}

export function reportData(traces: readonly { id: string; command: string; trace: Trace }[]): ReportData {
  const table = new HopTable();
  const requests = traces.map(
    ({ id, command, trace }): RequestData => ({
      id,
      command,
      branches: trace.branches.map((b): BranchData => {
        const http = httpText(b);
        return {
          probability: formatProbability(b.probability),
          ...legData(b, table),
          choices: b.choices,
          ...(b.reply ? { reply: legData(b.reply, table) } : {}),
          ...(http ? { http } : {}),
        };
      }),
    }),
  );
  return { requests, strings: table.strings, hops: table.hops };
}

/**
 * JSON that can sit inside a <script> element: `<`, `>` and `&` are written as \u escapes, so a name
 * holding `</script>` or `<!--` stays a string; U+2028/2029 too, for older script parsers.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
