// A node's IPVS table, from either form ipvsadm prints it in (read line by line, so a paste may mix
// them, with prompts and the header lines around):
//   ipvsadm-save -n   -A -t 10.96.0.1:443 -s rr
//                     -a -t 10.96.0.1:443 -r 192.168.1.10:6443 -m -w 1
//   ipvsadm -Ln       TCP  10.96.0.1:443 rr
//                       -> 192.168.1.10:6443            Masq    1      0          0
// A line that is neither is a dump-syntax diagnostic; the rest is read.
import { excerptStart } from "../model/excerpt.ts";
import { parseIpv4 } from "../model/address.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { IpvsRealServer, IpvsService, IpvsTable } from "../model/ipvs.ts";
import type { Origin } from "../model/origin.ts";
import { lines, type Word, words } from "./text.ts";

const PROTOS: Readonly<Record<string, IpvsService["proto"]>> = {
  "-t": "tcp",
  "--tcp-service": "tcp",
  "-u": "udp",
  "--udp-service": "udp",
  "--sctp-service": "sctp",
  TCP: "tcp",
  UDP: "udp",
  SCTP: "sctp",
};
const FORWARD: Readonly<Record<string, IpvsRealServer["forward"]>> = {
  "-m": "masq",
  "--masquerading": "masq",
  "-g": "route",
  "--gatewaying": "route",
  "-i": "tunnel",
  "--ipip": "tunnel",
  Masq: "masq",
  Route: "route",
  Local: "route",
  Tunnel: "tunnel",
};
/** ipvsadm -L's header lines, and what a paste carries around the table. */
const HEADER = /^(IP Virtual Server version|Prot LocalAddress|-> RemoteAddress|#|\$|\S+@\S+[#$])/;

interface Service {
  proto: IpvsService["proto"];
  ip: number;
  port: number;
  scheduler: string;
  persistent?: number;
  reals: IpvsRealServer[];
  origin: Origin;
}

export function parseIpvsadm(text: string, file: string): { table: IpvsTable; warnings: Diagnostic[] } {
  const services = new Map<string, Service>();
  const warnings: Diagnostic[] = [];
  let listed: Service | undefined;
  for (const { text: raw, line } of lines(text)) {
    const w = words(raw);
    if (w.length === 0 || HEADER.test(raw.trim())) continue;
    const at = (col: number): Origin => ({ file, line, col });
    const fail = (col: number, what: string) =>
      warnings.push(diagnostic("dump-syntax", at(col), `${what}; the line is skipped`));
    const first = w[0]!.text;
    if (first === "-A" || first === "-a") {
      const r = saveLine(w, at);
      if (typeof r === "string") fail(w[0]!.col, r);
      else if (r.kind === "service") services.set(key(r.service), r.service);
      else {
        const s = services.get(key(r.of));
        if (s) s.reals.push(r.real);
        else fail(w[0]!.col, `a real server of ${r.of.ip}:${r.of.port}, which no -A line before it adds`);
      }
      continue;
    }
    if (first === "->" && listed) {
      const real = listedReal(w, at);
      if (typeof real === "string") fail(w[0]!.col, real);
      else listed.reals.push(real);
      continue;
    }
    const s = PROTOS[first] ? listedService(w, at) : undefined;
    if (s && typeof s !== "string") {
      services.set(key(s), s);
      listed = s;
      continue;
    }
    fail(
      w[0]!.col,
      typeof s === "string"
        ? s
        : `expected a line of \`ipvsadm-save -n\` ("-A -t IP:PORT -s rr", "-a -t IP:PORT -r IP:PORT -m -w 1") or of ` +
            `\`ipvsadm -Ln\` ("TCP  IP:PORT rr", "  -> IP:PORT Masq 1 0 0"), found ${excerptStart(first)}`,
    );
  }
  return { table: { file, services: [...services.values()] }, warnings };
}

function key(s: { proto: string; ip: number; port: number }): string {
  return `${s.proto} ${s.ip} ${s.port}`;
}

function endpoint(text: string): { ip: number; port: number } | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d{1,5})$/.exec(text);
  const ip = m ? parseIpv4(m[1]!) : undefined;
  const port = m ? Number(m[2]) : Number.NaN;
  return ip !== undefined && port <= 65535 ? { ip, port } : undefined;
}

type SaveLine =
  | { kind: "service"; service: Service }
  | { kind: "real"; of: { proto: string; ip: number; port: number }; real: IpvsRealServer };

/** `-A -t VIP:PORT -s SCHED [-p SECONDS]` or `-a -t VIP:PORT -r RIP:PORT -m|-g|-i -w WEIGHT`. */
function saveLine(w: Word[], at: (col: number) => Origin): SaveLine | string {
  const proto = PROTOS[w[1]?.text ?? ""];
  const vip = endpoint(w[2]?.text ?? "");
  if (!proto || !vip) return `expected -t, -u or --sctp-service and IP:PORT after ${w[0]!.text} (ipvsadm-save -n)`;
  const opts = new Map<string, string>();
  let forward: IpvsRealServer["forward"] = "masq";
  for (let k = 3; k < w.length; k++) {
    const o = w[k]!.text;
    if (FORWARD[o] && o.startsWith("-")) forward = FORWARD[o]!;
    else if (/^-[srwpxyM]$|^--(scheduler|real-server|weight|persistent)$/.test(o))
      opts.set(o[1] === "-" ? `-${o[2]}` : o, w[++k]?.text ?? "");
  }
  if (w[0]!.text === "-A") {
    const persistent = opts.has("-p") ? Number(opts.get("-p") || 300) : undefined;
    const service: Service = { proto, ...vip, scheduler: opts.get("-s") || "wlc", reals: [], origin: at(1) };
    if (persistent !== undefined) service.persistent = persistent;
    return { kind: "service", service };
  }
  const real = endpoint(opts.get("-r") ?? "");
  const weight = Number(opts.get("-w") ?? "1");
  if (!real || !Number.isInteger(weight)) return "expected -r IP:PORT and -w WEIGHT on a real server line";
  return { kind: "real", of: { proto, ...vip }, real: { ...real, weight, forward, origin: at(1) } };
}

/** `TCP  10.96.0.1:443 rr [persistent 10800]` from ipvsadm -Ln. */
function listedService(w: Word[], at: (col: number) => Origin): Service | string {
  const vip = endpoint(w[1]?.text ?? "");
  if (!vip) return `expected IP:PORT after ${w[0]!.text}, as ipvsadm -Ln prints a virtual service (a name? use -n)`;
  const service: Service = {
    proto: PROTOS[w[0]!.text]!,
    ...vip,
    scheduler: w[2]?.text ?? "wlc",
    reals: [],
    origin: at(1),
  };
  const p = w.findIndex((x) => x.text === "persistent");
  if (p >= 0) service.persistent = Number(w[p + 1]?.text ?? 300);
  return service;
}

/** `  -> 10.244.1.5:8080   Masq   1   0   0` from ipvsadm -Ln. */
function listedReal(w: Word[], at: (col: number) => Origin): IpvsRealServer | string {
  const real = endpoint(w[1]?.text ?? "");
  const forward = FORWARD[w[2]?.text ?? ""];
  const weight = Number(w[3]?.text);
  if (!real || !forward || !Number.isInteger(weight))
    return 'expected "-> IP:PORT FORWARD WEIGHT ACTIVE INACTIVE" as ipvsadm -Ln prints a real server';
  return { ...real, weight, forward, origin: at(w[0]!.col) };
}
