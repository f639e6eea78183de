// The lines of a WireGuard dump, in either form `wg` prints, as interface and peer rows:
//   wg show all dump   tab-separated, one line per interface, then one per peer of it:
//     IFACE  private-key  public-key  listen-port  fwmark
//     IFACE  public-key  preshared-key  endpoint  allowed-ips  latest-handshake  rx-bytes  tx-bytes  keepalive
//     (`wg show IFACE dump` prints the same without the first column.)
//   wg, wg show        the pretty form, a section per interface and per peer:
//     interface: wg0
//       public key: ...
//       listening port: 51820
//     peer: KEY
//       endpoint: 192.168.10.12:51820
//       allowed ips: 10.42.1.0/24, 10.42.1.5/32
// A paste may hold several snapshots of one interface (`wg` run twice, before and after something):
// the last one is read, as the interface's state now.
import { excerpt } from "../model/excerpt.ts";
import { lines, type Problems, tabFields, type Word } from "./text.ts";

/** A value with the line it stands on: a pretty section spreads its fields over several lines. */
export interface Field extends Word {
  readonly line: number;
}

export interface InterfaceRow {
  readonly kind: "interface";
  readonly line: number;
  readonly iface: string;
  readonly privateKey?: Field;
  readonly publicKey?: Field;
  readonly listenPort?: Field;
  readonly fwmark?: Field;
}

export interface PeerRow {
  readonly kind: "peer";
  readonly line: number;
  readonly iface: string;
  readonly publicKey: Field;
  readonly presharedKey?: Field;
  readonly endpoint?: Field;
  /** Each entry with its column; empty for `(none)`. */
  readonly allowedIps: readonly Field[];
}

export type WgRow = InterfaceRow | PeerRow;

const PRETTY_FIELDS: Readonly<Record<string, string>> = {
  "public key": "publicKey",
  "private key": "privateKey",
  "listening port": "listenPort",
  fwmark: "fwmark",
  "preshared key": "presharedKey",
  endpoint: "endpoint",
  "allowed ips": "allowedIps",
};
/** Pretty fields that say nothing kubehop models: when the peer last spoke and what it carried. */
const PRETTY_IGNORED = /^(latest handshake|transfer|persistent keepalive)$/;
// `wg` colours its output on a terminal; a paste may keep the escapes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are stripped
const ANSI = /\x1b\[[0-9;]*m/g;

export function wgRows(text: string, problems: Problems): WgRow[] {
  const rows: WgRow[] = [];
  let current: { kind: "interface" | "peer"; fields: Record<string, unknown> } | undefined;
  let iface = "wg0";
  for (const { text: withEscapes, line } of lines(text)) {
    const raw = withEscapes.replace(ANSI, "");
    if (raw.trim() === "" || problems.prompt(line, raw)) continue;
    const f = tabFields(raw);
    if (f.length >= 3) {
      current = undefined;
      const row = dumpRow(f, line, problems);
      if (row) rows.push(row);
      continue;
    }
    const header = /^(interface|peer): *(\S+)\s*$/.exec(raw);
    if (header) {
      if (header[1] === "interface") {
        iface = header[2]!;
        dropSnapshot(rows, iface, line, problems);
        current = { kind: "interface", fields: { kind: "interface", line, iface } };
      } else {
        const publicKey = { text: header[2]!, col: raw.indexOf(header[2]!) + 1, line };
        current = { kind: "peer", fields: { kind: "peer", line, iface, publicKey, allowedIps: [] } };
      }
      rows.push(current.fields as unknown as WgRow);
      continue;
    }
    const field = /^\s+([a-z ]+): *(.*?)\s*$/.exec(raw);
    const name = field && PRETTY_FIELDS[field[1]!];
    if (field && current && PRETTY_IGNORED.test(field[1]!)) continue;
    if (field && current && name) {
      const value = { text: field[2]!, col: raw.length - raw.trimStart().length + field[1]!.length + 3, line };
      current.fields[name] = name === "allowedIps" ? entries(value, ", ") : value;
      continue;
    }
    problems.error(
      line,
      1,
      field && current
        ? `${excerpt(field[1]!)} is not a field of a \`wg\` ${current.kind} section ` +
            `(${Object.keys(PRETTY_FIELDS).join(", ")}, latest handshake, transfer, persistent keepalive); skipped`
        : "expected a line of `wg show all dump` (5 tab-separated fields for an interface, 9 for a peer) or of `wg " +
            "show` (interface: NAME, peer: KEY, or an indented field); skipped",
    );
  }
  return rows;
}

/** A later `interface: NAME` of an interface already read starts a newer snapshot of it. */
function dropSnapshot(rows: WgRow[], iface: string, line: number, problems: Problems): void {
  const earlier = rows.filter((r) => r.iface === iface);
  if (earlier.length === 0) return;
  problems.warn(
    "dump-skipped",
    earlier[0]!.line,
    `${iface} is shown again at line ${line}: the earlier snapshot (lines ${earlier[0]!.line}-${line - 1}) is ` +
      `skipped, the last one read`,
  );
  rows.splice(0, rows.length, ...rows.filter((r) => r.iface !== iface));
}

function dumpRow(words: Word[], line: number, problems: Problems): WgRow | undefined {
  const f = words.map((w) => ({ ...w, line }));
  if (f.length === 5 || f.length === 4) {
    const [privateKey, publicKey, listenPort, fwmark] = f.slice(f.length - 4);
    return {
      kind: "interface",
      line,
      iface: f.length === 5 ? f[0]!.text : "wg0",
      privateKey: privateKey!,
      publicKey: publicKey!,
      listenPort: listenPort!,
      fwmark: fwmark!,
    };
  }
  if (f.length === 9 || f.length === 8) {
    const [publicKey, presharedKey, endpoint, allowed, handshake, rx, tx, keepalive] = f.slice(f.length - 8);
    whole(handshake!, "latest handshake", line, problems);
    whole(rx!, "received bytes", line, problems);
    whole(tx!, "sent bytes", line, problems);
    if (keepalive!.text !== "off") whole(keepalive!, "persistent keepalive", line, problems, 65535);
    return {
      kind: "peer",
      line,
      iface: f.length === 9 ? f[0]!.text : "wg0",
      publicKey: publicKey!,
      presharedKey: presharedKey!,
      endpoint: endpoint!,
      allowedIps: entries(allowed!, ","),
    };
  }
  problems.error(
    line,
    1,
    `expected 5 tab-separated fields (an interface) or 9 (a peer) as \`wg show all dump\` prints them, ` +
      `found ${f.length}; skipped`,
  );
  return undefined;
}

function entries(w: Field, separator: string): Field[] {
  if (w.text === "(none)" || w.text === "") return [];
  const out: Field[] = [];
  let col = w.col;
  for (const part of w.text.split(separator)) {
    out.push({ text: part.trim(), col: col + part.length - part.trimStart().length, line: w.line });
    col += part.length + separator.length;
  }
  return out;
}

/** Checks a number kubehop does not use, so a shifted column is noticed; undefined when it is not one. */
export function whole(
  w: Word,
  what: string,
  line: number,
  problems: Problems,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (!/^\d+$/.test(w.text) || Number(w.text) > max) {
    problems.error(
      line,
      w.col,
      `${what} ${excerpt(w.text)} is not a whole number${max < Number.MAX_SAFE_INTEGER ? ` 0-${max}` : ""}`,
    );
    return undefined;
  }
  return Number(w.text);
}
