// `-j TARGET [options]` / `-g CHAIN`: reads a target and its options into Target data. A target
// kubehop does not simulate makes the rule unsupported; malformed options are parse errors.
import { asWritten, excerpt } from "../model/excerpt.ts";
import { formatIpv4, parseIpv4 } from "../model/address.ts";
import type { OptionReader } from "./option-reader.ts";
import type { Target } from "../model/ruleset.ts";
import type { Token } from "./tokenizer.ts";

export interface ParsedTarget {
  target: Target;
  unsupported?: string;
  notes: string[];
}

const REJECT_WITH = [
  "icmp-net-unreachable",
  "icmp-host-unreachable",
  "icmp-port-unreachable",
  "icmp-proto-unreachable",
  "icmp-net-prohibited",
  "icmp-host-prohibited",
  "icmp-admin-prohibited",
  "tcp-reset",
];

/** Targets that are real iptables extensions but change nothing kubehop models or are not simulated. */
const UNSIMULATED = [
  "CONNMARK",
  "REDIRECT",
  "TPROXY",
  "TCPMSS",
  "CHECKSUM",
  "CLASSIFY",
  "TOS",
  "TTL",
  "DSCP",
  "SET",
  "AUDIT",
  "TEE",
  "NETMAP",
  "SECMARK",
  "CONNSECMARK",
  "HMARK",
  "IDLETIMER",
  "LED",
  "NFQUEUE",
  "SYNPROXY",
  "TRACE",
  "ECN",
  "CLUSTERIP",
];

export function parseTarget(name: Token, isGoto: boolean, r: OptionReader): ParsedTarget {
  const notes: string[] = [];
  const done = (target: Target): ParsedTarget => {
    const extra = r.peek();
    if (extra) r.fail(extra.col, `unexpected ${excerpt(extra.text)} after -j ${name.text}; ${optionHelp(name.text)}`);
    return { target, notes };
  };
  if (isGoto) return done({ kind: "jump", chain: name.text, goto: true });
  switch (name.text) {
    case "ACCEPT":
      return done({ kind: "accept" });
    case "DROP":
      return done({ kind: "drop" });
    case "RETURN":
      return done({ kind: "return" });
    case "REJECT": {
      let rejectWith = "icmp-port-unreachable";
      while (!r.done()) {
        const opt = r.next();
        if (opt.text !== "--reject-with") r.fail(opt.col, `unexpected ${excerpt(opt.text)}; ${optionHelp("REJECT")}`);
        const v = r.value(opt, REJECT_WITH.join(", "));
        if (!REJECT_WITH.includes(v.text))
          r.fail(v.col, `${excerpt(v.text)} is not a reject type; expected one of ${REJECT_WITH.join(", ")}`);
        rejectWith = v.text;
      }
      return { target: { kind: "reject", rejectWith }, notes };
    }
    case "DNAT":
    case "SNAT": {
      const optName = name.text === "DNAT" ? "--to-destination" : "--to-source";
      let to: { ip: number; port: number | null } | undefined;
      let randomFully = false;
      while (!r.done()) {
        const opt = r.next();
        if (opt.text === optName) to = natAddress(r, r.value(opt, "IP[:PORT], e.g. 10.244.1.5:8080"), notes);
        else if (opt.text === "--random-fully") randomFully = true;
        else if (opt.text !== "--random" && opt.text !== "--persistent")
          r.fail(opt.col, `unexpected ${excerpt(opt.text)}; ${optionHelp(name.text)}`);
      }
      if (!to) r.fail(name.col, `-j ${name.text} needs ${optName} IP[:PORT]`);
      return name.text === "DNAT"
        ? { target: { kind: "dnat", ...to }, notes }
        : { target: { kind: "snat", ...to, randomFully }, notes };
    }
    case "MASQUERADE": {
      let port: number | null = null;
      let randomFully = false;
      while (!r.done()) {
        const opt = r.next();
        if (opt.text === "--to-ports") port = firstPort(r, r.value(opt, "a port or range, e.g. 1024-65535"), notes);
        else if (opt.text === "--random-fully") randomFully = true;
        else if (opt.text !== "--random")
          r.fail(opt.col, `unexpected ${excerpt(opt.text)}; ${optionHelp("MASQUERADE")}`);
      }
      return { target: { kind: "masquerade", port, randomFully }, notes };
    }
    case "MARK":
      return done(markTarget(name, r));
    case "LOG":
    case "NFLOG":
    case "ULOG":
      skipAllOptions(r);
      return { target: { kind: "log", text: name.text }, notes };
    case "NOTRACK":
      return done({ kind: "ct", notrack: true, text: "NOTRACK" });
    case "CT": {
      let notrack = false;
      const words: string[] = [];
      while (!r.done()) {
        const opt = r.next();
        words.push(opt.text);
        if (opt.text === "--notrack") notrack = true;
        else for (let v = r.peek(); v && !v.text.startsWith("--"); v = r.peek()) words.push(r.next().text);
      }
      return { target: { kind: "ct", notrack, text: ["CT", ...words].join(" ") }, notes };
    }
    default:
      if (UNSIMULATED.includes(name.text) || !r.done()) {
        skipAllOptions(r);
        return {
          target: { kind: "none" },
          unsupported:
            `-j ${asWritten(name.text)} ` +
            `(${UNSIMULATED.includes(name.text) ? "a target kubehop does not simulate" : "an unknown target"})`,
          notes,
        };
      }
      // Whether the chain exists is checked when the table is complete (parser.ts).
      return { target: { kind: "jump", chain: name.text, goto: false }, notes };
  }
}

function markTarget(name: Token, r: OptionReader): Target {
  if (r.done()) r.fail(name.col + name.text.length, `-j MARK needs an option: ${optionHelp("MARK")}`);
  const opt = r.next();
  const v = r.value(opt, "VALUE[/MASK], e.g. 0x4000/0x4000");
  const text = `${opt.text} ${v.text}`;
  switch (opt.text) {
    case "--set-xmark": {
      const m = r.markSpec(v);
      return { kind: "mark", value: m.value, mask: m.mask ?? 0xffffffff, text };
    }
    case "--set-mark": {
      // libxt_MARK turns --set-mark V/M into set-xmark V/(V|M): clear both, then set V.
      const m = r.markSpec(v);
      return { kind: "mark", value: m.value, mask: (m.value | (m.mask ?? 0xffffffff)) >>> 0, text };
    }
    case "--or-mark": {
      const value = r.u32(v, "mark");
      return { kind: "mark", value, mask: value, text };
    }
    case "--and-mark":
      return { kind: "mark", value: 0, mask: ~r.u32(v, "mark") >>> 0, text };
    case "--xor-mark":
      return { kind: "mark", value: r.u32(v, "mark"), mask: 0, text };
    default:
      return r.fail(opt.col, `unexpected ${excerpt(opt.text)} after -j ${name.text}; ${optionHelp("MARK")}`);
  }
}

/** `IP[-IP][:PORT[-PORT]]`: a range is simulated by its first address and port. */
function natAddress(r: OptionReader, v: Token, notes: string[]): { ip: number; port: number | null } {
  const m = /^([\d.]+)(?:-([\d.]+))?(?::(.+))?$/.exec(v.text);
  const ip = m ? parseIpv4(m[1]!) : undefined;
  if (!m || ip === undefined || (m[2] !== undefined && parseIpv4(m[2]) === undefined)) {
    r.fail(v.col, `${excerpt(v.text)} is not a NAT address; expected IP[:PORT], e.g. 10.244.1.5:8080`);
  }
  if (m[2] !== undefined)
    notes.push(`address range ${m[1]}-${m[2]} is simulated as its first address ${formatIpv4(ip)}`);
  const port =
    m[3] === undefined
      ? null
      : firstPort(r, { text: m[3], col: v.col + m[1]!.length + (m[2] ? m[2].length + 1 : 0) + 1 }, notes);
  return { ip, port };
}

function firstPort(r: OptionReader, v: Token, notes: string[]): number {
  const [lo, hi, extra] = v.text.split("-");
  const port = r.port(v, lo);
  if (extra !== undefined) r.fail(v.col, `${excerpt(v.text)} is not a port or range; expected PORT or LOW-HIGH`);
  if (hi !== undefined) {
    if (r.port(v, hi) < port) r.fail(v.col, `port range ${excerpt(v.text)} is empty; write LOW-HIGH with LOW <= HIGH`);
    notes.push(`port range ${v.text} is simulated as its first port ${port}`);
  }
  return port;
}

function skipAllOptions(r: OptionReader): void {
  while (!r.done()) {
    r.next();
    r.skipValues();
  }
}

function optionHelp(target: string): string {
  switch (target) {
    case "REJECT":
      return "REJECT takes only --reject-with TYPE";
    case "DNAT":
      return "DNAT takes --to-destination IP[:PORT] [--random] [--persistent]";
    case "SNAT":
      return "SNAT takes --to-source IP[:PORT] [--random] [--random-fully] [--persistent]";
    case "MASQUERADE":
      return "MASQUERADE takes [--to-ports PORT] [--random] [--random-fully]";
    case "MARK":
      return "MARK takes one of --set-xmark V[/M], --set-mark V[/M], --or-mark V, --and-mark V, --xor-mark V";
    default:
      return `-j ${target} takes no options (iptables-save puts -j last)`;
  }
}
