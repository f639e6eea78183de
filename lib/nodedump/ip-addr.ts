// The node's own addresses, from any of the forms `ip addr` prints (read line by line, so a paste
// may mix them):
//   ip -o addr     2: eth0    inet 192.168.10.11/24 brd 192.168.10.255 scope global eth0\       valid_lft ...
//   ip addr, ip a  2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ...      (a device's header)
//                      link/ether 52:54:00:6d:7d:46 brd ff:ff:ff:ff:ff:ff
//                      inet 192.168.122.121/24 brd 192.168.122.255 scope global eth0
//                         valid_lft forever preferred_lft forever
//   ip -br addr    eth0             UP             192.168.1.90/24 fe80::4ab0:2dff:fed9:7063/64
// Only IPv4 addresses are kept; IPv6 ones are skipped with one warning per file.
import { excerpt, excerptStart } from "../model/excerpt.ts";
import { parseIpv4 } from "../model/address.ts";
import { byPosition, type Diagnostic } from "../model/diagnostic.ts";
import type { DumpedAddress } from "./interfaces.ts";
import { lines, Problems, type Word, words } from "./text.ts";

export interface ParsedAddresses {
  readonly addresses: DumpedAddress[];
  readonly warnings: Diagnostic[];
}

/** The operational states `ip -br` prints in its second column. */
const BRIEF_STATES = /^(UP|DOWN|UNKNOWN|LOWERLAYERDOWN|DORMANT|NOTPRESENT|TESTING)$/;
/** Lines of the multi-line form that say nothing about IPv4 addresses. */
const DETAIL = /^(link\/|valid_lft|altname|vrf|bridge|bridge_slave|vxlan|wireguard|veth|tun|ipip|gre|dummy|team)/;

interface Reading {
  readonly problems: Problems;
  readonly addresses: DumpedAddress[];
  /** The device the indented lines of the multi-line form belong to. */
  device?: string;
  ipv6: number;
  firstIpv6: number;
}

export function parseIpAddr(text: string, file: string): ParsedAddresses {
  const r: Reading = { problems: new Problems(file), addresses: [], ipv6: 0, firstIpv6: 0 };
  for (const { text: raw, line } of lines(text)) {
    // `-o` joins an address's continuation lines with a backslash; what follows it is lifetimes.
    const body = raw.split("\\")[0]!;
    const w = words(body);
    if (w.length === 0) continue;
    if (r.problems.prompt(line, raw)) continue;
    readLine(r, raw, body, w, line);
  }
  if (r.ipv6 > 0)
    r.problems.warn(
      "dump-skipped",
      r.firstIpv6,
      `${r.ipv6} inet6 address${r.ipv6 === 1 ? "" : "es"} skipped: kubehop models IPv4 only`,
    );
  return { addresses: r.addresses, warnings: byPosition(r.problems.warnings) };
}

function readLine(r: Reading, raw: string, body: string, w: Word[], line: number): void {
  const first = w[0]!.text;
  if (/^\d+:$/.test(first)) {
    const dev = w[1];
    if (!dev) return r.problems.error(line, raw.length + 1, "expected the device name after the interface index");
    // `2: eth0: <FLAGS> ...`: a device's header (ip addr, or ip -o link); its addresses follow.
    if (dev.text.endsWith(":")) {
      r.device = dev.text.slice(0, -1).replace(/@.*$/, "");
      return;
    }
    r.device = undefined;
    return address(r, dev.text, w.slice(2), line, body);
  }
  if (/^\s/.test(raw) && r.device !== undefined) {
    if (first === "inet" || first === "inet6") return address(r, r.device, w, line, body);
    if (DETAIL.test(first)) return;
  }
  if (!/^\s/.test(raw) && w.length >= 2 && BRIEF_STATES.test(w[1]!.text)) return brief(r, w, line);
  r.problems.error(
    line,
    w[0]!.col,
    `expected a line of \`ip addr\`, \`ip -o addr\` or \`ip -br addr\` (such as "2: eth0: <...>", "    inet ` +
      `10.0.0.1/24 ..." or "eth0  UP  10.0.0.1/24"), found ${excerptStart(first)}`,
  );
}

/** `inet ADDRESS/LENGTH ...` or `inet6 ...`, the family word first. */
function address(r: Reading, dev: string, w: Word[], line: number, body: string): void {
  const family = w[0];
  if (!family || (family.text !== "inet" && family.text !== "inet6"))
    return r.problems.error(
      line,
      family?.col ?? body.length + 1,
      `expected inet or inet6 after the device, found ${family ? `${excerpt(family.text)}` : "nothing"}`,
    );
  if (family.text === "inet6") return ipv6(r, line);
  const addr = w[1];
  if (!addr || !keep(r, dev, addr.text))
    r.problems.error(
      line,
      addr?.col ?? body.length + 1,
      `expected an IPv4 address with its prefix length, e.g. 10.42.0.1/24, ` +
        `found ${addr ? `${excerpt(addr.text)}` : "nothing"}`,
    );
}

/** `ip -br addr`: DEVICE STATE ADDRESS/LENGTH... (IPv6 ones among them). */
function brief(r: Reading, w: Word[], line: number): void {
  const dev = w[0]!.text;
  for (const a of w.slice(2)) {
    if (a.text.includes(":")) ipv6(r, line);
    else if (!keep(r, dev, a.text))
      r.problems.error(
        line,
        a.col,
        `expected an address with its prefix length, e.g. 10.42.0.1/24, found ${excerpt(a.text)}`,
      );
  }
}

/** Adds `text` (ADDRESS[/LENGTH]) to `dev`'s addresses; false when it is not an IPv4 address. */
function keep(r: Reading, dev: string, text: string): boolean {
  const m = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(text);
  const ip = m ? parseIpv4(m[1]!) : undefined;
  const length = m?.[2] === undefined ? 32 : Number(m[2]);
  if (ip === undefined || length > 32) return false;
  r.addresses.push({ dev: dev.replace(/@.*$/, ""), ip, length });
  return true;
}

function ipv6(r: Reading, line: number): void {
  r.ipv6++;
  r.firstIpv6 ||= line;
}
