// `-m MODULE --option ...`: one builder per match module collects the module's options and turns
// them into Match data. A module or option kubehop cannot simulate makes the rule unsupported (a
// warning, the rule never matches); a malformed value is a parse error.
import { asWritten, excerpt } from "../model/excerpt.ts";
import type { OptionReader } from "./option-reader.ts";
import type { AddrType, CtStateName, Match } from "../model/ruleset.ts";
import type { Token } from "./tokenizer.ts";

export interface MatchBuilder {
  readonly module: string;
  /** Consumes `opt` and its values; returns false when `opt` is not an option of this module. */
  option(opt: Token, neg: boolean, r: OptionReader): boolean;
  finish(r: OptionReader, moduleToken: Token): Match[];
  /** Why the rule cannot be simulated, when this module makes it so. */
  unsupported?: string;
  /** Approximations worth a warning even though the rule is simulated. */
  readonly notes: string[];
}

abstract class Builder implements MatchBuilder {
  unsupported?: string;
  readonly notes: string[] = [];
  protected readonly out: Match[] = [];
  constructor(readonly module: string) {}
  abstract option(opt: Token, neg: boolean, r: OptionReader): boolean;
  finish(_r: OptionReader, _m: Token): Match[] {
    return this.out;
  }
}

const TCP_FLAGS_SYN = /^(FIN,SYN,RST,ACK|SYN,RST,ACK,FIN|SYN,FIN,RST,ACK) SYN$/;

/** -m tcp / -m udp / -m sctp, also loaded implicitly by `-p tcp --dport N`. */
class ProtoPorts extends Builder {
  option(opt: Token, neg: boolean, r: OptionReader): boolean {
    const o = opt.text;
    if (o === "--dport" || o === "--destination-port" || o === "--sport" || o === "--source-port") {
      const v = r.value(opt, "a port or range, e.g. 80 or 30000:32767");
      const which = o === "--dport" || o === "--destination-port" ? "dport" : "sport";
      this.out.push({ kind: "ports", proto: this.module, which, ranges: [r.portRange(v)], neg });
      return true;
    }
    if (this.module === "tcp" && o === "--syn") {
      this.out.push({ kind: "syn", neg });
      return true;
    }
    if (this.module === "tcp" && o === "--tcp-flags") {
      const mask = r.value(opt, "a flag list, e.g. FIN,SYN,RST,ACK");
      const comp = r.value(opt, "the flags that must be set, e.g. SYN");
      if (TCP_FLAGS_SYN.test(`${mask.text} ${comp.text}`)) this.out.push({ kind: "syn", neg });
      else
        this.unsupported =
          `-m tcp --tcp-flags ${asWritten(mask.text)} ${asWritten(comp.text)} ` +
          "(only the --syn combination is simulated)";
      return true;
    }
    return false;
  }
}

class Multiport extends Builder {
  private seen = false;
  option(opt: Token, neg: boolean, r: OptionReader): boolean {
    const which = (
      {
        "--dports": "dport",
        "--destination-ports": "dport",
        "--sports": "sport",
        "--source-ports": "sport",
        "--ports": "either",
      } as const
    )[opt.text];
    if (!which) return false;
    const v = r.value(opt, "a comma list of ports or ranges, e.g. 80,443,8000:8080");
    let col = v.col;
    const ranges = v.text.split(",").map((part) => {
      const range = r.portRange({ text: part, col }, part);
      col += part.length + 1;
      return range;
    });
    this.out.push({ kind: "ports", proto: null, which, ranges, neg });
    this.seen = true;
    return true;
  }
  override finish(r: OptionReader, m: Token): Match[] {
    if (!this.seen) r.fail(m.col, "-m multiport needs --dports, --sports or --ports");
    return this.out;
  }
}

class Comment extends Builder {
  option(opt: Token, _neg: boolean, r: OptionReader): boolean {
    if (opt.text !== "--comment") return false;
    this.out.push({ kind: "comment", text: r.value(opt, "a text, quoted if it has spaces").text });
    return true;
  }
}

/** The kernel keeps the probability as a 31-bit fixed-point number (xt_statistic). */
export function kernelProbability(p: number): number {
  return Math.round(p * 0x80000000) / 0x80000000;
}

class Statistic extends Builder {
  private mode?: Token;
  private probability?: { value: number; neg: boolean };
  private every?: number;
  private packet = 0;
  option(opt: Token, neg: boolean, r: OptionReader): boolean {
    switch (opt.text) {
      case "--mode":
        this.mode = r.value(opt, "random or nth");
        if (this.mode.text !== "random" && this.mode.text !== "nth")
          r.fail(this.mode.col, `statistic mode ${excerpt(this.mode.text)} is not valid; expected random or nth`);
        return true;
      case "--probability": {
        const v = r.value(opt, "a number between 0 and 1, e.g. 0.3333333333");
        const p = /^(\d+(\.\d*)?|\.\d+)$/.test(v.text) ? Number(v.text) : Number.NaN;
        if (!(p >= 0 && p <= 1))
          r.fail(v.col, `${excerpt(v.text)} is not a probability; expected a number between 0 and 1`);
        this.probability = { value: p, neg };
        return true;
      }
      case "--every": {
        const v = r.value(opt, "a packet count >= 1");
        this.every = r.u32(v, "packet count");
        if (this.every < 1) r.fail(v.col, "--every needs a count >= 1");
        return true;
      }
      case "--packet":
        this.packet = r.u32(r.value(opt, "a packet number"), "packet number");
        return true;
      default:
        return false;
    }
  }
  override finish(r: OptionReader, m: Token): Match[] {
    if (!this.mode) r.fail(m.col, "-m statistic needs --mode random or --mode nth");
    if (this.mode.text === "random") {
      if (!this.probability) r.fail(this.mode.col, "-m statistic --mode random needs --probability P");
      const p = kernelProbability(this.probability.value);
      const neg = this.probability.neg;
      this.out.push({
        kind: "statistic",
        probability: neg ? 1 - p : p,
        text: `random ${neg ? "! " : ""}${p.toFixed(11)}`,
      });
    } else {
      if (this.every === undefined) r.fail(this.mode.col, "-m statistic --mode nth needs --every N");
      this.notes.push(
        `-m statistic --mode nth --every ${this.every} --packet ${this.packet} is approximated as probability ` +
          `1/${this.every} (kubehop keeps no packet counter)`,
      );
      this.out.push({ kind: "statistic", probability: 1 / this.every, text: `nth 1/${this.every}` });
    }
    return this.out;
  }
}

class Mark extends Builder {
  option(opt: Token, neg: boolean, r: OptionReader): boolean {
    if (opt.text !== "--mark") return false;
    const { value, mask } = r.markSpec(r.value(opt, "VALUE[/MASK], e.g. 0x4000/0x4000"));
    this.out.push({ kind: "mark", value, mask: mask ?? 0xffffffff, neg });
    return true;
  }
}

const ADDR_TYPES: readonly string[] = ["LOCAL", "UNICAST", "BROADCAST", "MULTICAST"];
const UNSIMULATED_ADDR_TYPES = [
  "UNSPEC",
  "ANYCAST",
  "BLACKHOLE",
  "UNREACHABLE",
  "PROHIBIT",
  "THROW",
  "NAT",
  "XRESOLVE",
];

class Addrtype extends Builder {
  option(opt: Token, neg: boolean, r: OptionReader): boolean {
    if (opt.text === "--limit-iface-in" || opt.text === "--limit-iface-out") {
      this.notes.push(
        `-m addrtype ${opt.text} is approximated: an address counts as LOCAL if it is any of the node's addresses`,
      );
      return true;
    }
    if (opt.text !== "--src-type" && opt.text !== "--dst-type") return false;
    const v = r.value(opt, "an address type such as LOCAL");
    const types = v.text.split(",");
    for (const t of types) {
      if (UNSIMULATED_ADDR_TYPES.includes(t))
        this.unsupported = `-m addrtype ${opt.text} ${asWritten(t)} (only ${ADDR_TYPES.join(", ")} are simulated)`;
      else if (!ADDR_TYPES.includes(t))
        r.fail(
          v.col,
          `${excerpt(t)} is not an address type; expected one of ` +
            [...ADDR_TYPES, ...UNSIMULATED_ADDR_TYPES].join(", "),
        );
    }
    this.out.push({
      kind: "addrtype",
      dir: opt.text === "--src-type" ? "src" : "dst",
      types: types as AddrType[],
      neg,
    });
    return true;
  }
}

const CONNTRACK_STATES: readonly string[] = ["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED", "SNAT", "DNAT"];

/** -m conntrack --ctstate and the older -m state --state. */
class Conntrack extends Builder {
  option(opt: Token, neg: boolean, r: OptionReader): boolean {
    const wanted = this.module === "state" ? "--state" : "--ctstate";
    if (opt.text !== wanted) return false;
    const v = r.value(opt, "a comma list of states, e.g. RELATED,ESTABLISHED");
    const valid = this.module === "state" ? CONNTRACK_STATES.slice(0, 5) : CONNTRACK_STATES;
    const states = v.text.split(",");
    for (const s of states)
      if (!valid.includes(s))
        r.fail(v.col, `${excerpt(s)} is not a connection state; expected a comma list of ${valid.join(", ")}`);
    this.out.push({ kind: "ctstate", states: states as CtStateName[], neg });
    return true;
  }
}

const RECENT_MODES = { "--set": "set", "--rcheck": "rcheck", "--update": "update", "--remove": "remove" } as const;

/** -m recent, as kube-proxy's ClientIP affinity uses it. kubehop has no clock, so --seconds and
 * --reap never expire an entry: everything in a set counts as recent. */
class Recent extends Builder {
  private name = "DEFAULT";
  private mode?: { mode: "set" | "rcheck" | "update" | "remove"; neg: boolean; col: number };
  private side: "source" | "dest" = "source";
  private mask = 0xffffffff;
  option(opt: Token, neg: boolean, r: OptionReader): boolean {
    const o = opt.text;
    if (o in RECENT_MODES) {
      if (this.mode) r.fail(opt.col, "-m recent takes only one of --set, --rcheck, --update, --remove");
      this.mode = { mode: RECENT_MODES[o as keyof typeof RECENT_MODES], neg, col: opt.col };
    } else if (o === "--name") this.name = r.value(opt, "a list name").text;
    else if (o === "--rsource") this.side = "source";
    else if (o === "--rdest") this.side = "dest";
    else if (o === "--mask") {
      const v = r.value(opt, "a netmask, e.g. 255.255.255.255");
      const p = r.address({ text: `0.0.0.0/${v.text}`, col: v.col });
      this.mask = p.length === 0 ? 0 : (0xffffffff << (32 - p.length)) >>> 0;
    } else if (o === "--seconds") r.u32(r.value(opt, "a number of seconds"), "number of seconds");
    else if (o === "--reap") return true;
    else if (o === "--hitcount" || o === "--rttl") {
      this.unsupported = `-m recent ${o} (kubehop keeps no hit counts or TTLs)`;
      r.skipValues();
    } else return false;
    return true;
  }
  override finish(r: OptionReader, m: Token): Match[] {
    if (!this.mode) r.fail(m.col, "-m recent needs one of --set, --rcheck, --update, --remove");
    this.out.push({
      kind: "recent",
      name: this.name,
      mode: this.mode.mode,
      side: this.side,
      mask: this.mask,
      neg: this.mode.neg,
    });
    return this.out;
  }
}

class Nfacct extends Builder {
  option(opt: Token, _neg: boolean, r: OptionReader): boolean {
    if (opt.text !== "--nfacct-name") return false;
    this.out.push({ kind: "nfacct", name: r.value(opt, "an accounting object name").text });
    return true;
  }
}

/** -m set: tested against the node's ipsets when the walk runs (ipset-match.ts). */
class SetMatch extends Builder {
  private set?: { name: string; flags: ("src" | "dst")[]; neg: boolean };
  private returnNomatch = false;
  option(opt: Token, neg: boolean, r: OptionReader): boolean {
    const o = opt.text;
    if (o === "--match-set" || o === "--set") {
      if (this.set) r.fail(opt.col, "-m set takes one --match-set; add another -m set for a second set");
      const name = r.value(opt, "a set name").text;
      const flags = r.value(opt, "src or dst per dimension of the set, e.g. dst,dst");
      const list = flags.text.split(",");
      if (list.length > 6 || list.some((f) => f !== "src" && f !== "dst"))
        r.fail(
          flags.col,
          `${excerpt(flags.text)} is not a flag list; expected src or dst, comma-separated, one per dimension`,
        );
      this.set = { name, flags: list as ("src" | "dst")[], neg };
    } else if (o === "--return-nomatch") this.returnNomatch = true;
    else if (o === "--update-counters" || o === "--update-subcounters") return true;
    else if (/^--(packets|bytes)-(eq|lt|gt)$/.test(o)) {
      r.value(opt, "a count");
      this.unsupported = `-m set ${o} (kubehop keeps no set counters)`;
    } else return false;
    return true;
  }
  override finish(r: OptionReader, m: Token): Match[] {
    if (!this.set) r.fail(m.col, "-m set needs --match-set NAME src|dst[,...]");
    return [{ kind: "set", ...this.set, returnNomatch: this.returnNomatch }];
  }
}

/** A module kubehop does not simulate: it swallows its options and marks the rule unsupported. */
class Unsupported extends Builder {
  constructor(module: string, reason: string) {
    super(module);
    this.unsupported = reason;
  }
  option(_opt: Token, _neg: boolean, r: OptionReader): boolean {
    r.skipValues();
    return true;
  }
}

export function matchBuilder(module: string): MatchBuilder {
  switch (module) {
    case "tcp":
    case "udp":
    case "sctp":
      return new ProtoPorts(module);
    case "multiport":
      return new Multiport(module);
    case "comment":
      return new Comment(module);
    case "statistic":
      return new Statistic(module);
    case "mark":
      return new Mark(module);
    case "addrtype":
      return new Addrtype(module);
    case "conntrack":
    case "state":
      return new Conntrack(module);
    case "recent":
      return new Recent(module);
    case "nfacct":
      return new Nfacct(module);
    case "physdev":
      return new Unsupported(module, "-m physdev (bridge port matches are not simulated)");
    case "set":
      return new SetMatch(module);
    default:
      return new Unsupported(module, `-m ${asWritten(module)} (an unknown match module)`);
  }
}
