// `ip -o addr` (better `ip -o -4 addr`): one line per address, e.g.
//   2: eth0    inet 192.168.10.11/24 brd 192.168.10.255 scope global eth0\       valid_lft forever preferred_lft forever
// Only IPv4 (`inet`) addresses are kept; `inet6` lines are skipped with one warning per file.
import { parseIpv4 } from "../model/address.ts";
import type { Diagnostic } from "../model/diagnostic.ts";
import { InputError } from "../input/errors.ts";
import type { DumpedAddress } from "./interfaces.ts";
import { lines, Problems, words } from "./text.ts";

export interface ParsedAddresses {
  readonly addresses: DumpedAddress[];
  readonly warnings: Diagnostic[];
}

export function parseIpAddr(text: string, file: string): ParsedAddresses {
  const problems = new Problems(file);
  const addresses: DumpedAddress[] = [];
  let ipv6 = 0;
  let firstIpv6 = 0;
  for (const { text: raw, line } of lines(text)) {
    // `-o` joins an address's continuation lines with a backslash; what follows it is lifetimes.
    const body = raw.split("\\")[0]!;
    const w = words(body);
    if (w.length === 0 || w[0]!.text.startsWith("#")) continue;
    if (!/^\d+:$/.test(w[0]!.text)) {
      const hint = /^(inet6?|link\/)/.test(w[0]!.text)
        ? "; this looks like `ip addr` without -o: run `ip -o -4 addr`"
        : "";
      problems.error(
        line,
        w[0]!.col,
        `expected "INDEX: DEVICE inet ADDRESS/LENGTH ..." as \`ip -o addr\` prints it, found "${w[0]!.text}"${hint}`,
      );
      continue;
    }
    const dev = w[1];
    if (!dev) {
      problems.error(line, raw.length + 1, "expected the device name after the interface index");
      continue;
    }
    if (dev.text.endsWith(":")) {
      problems.error(line, dev.col, `"${dev.text}" followed by flags is \`ip -o link\` output; run \`ip -o -4 addr\``);
      continue;
    }
    const family = w[2];
    if (!family || (family.text !== "inet" && family.text !== "inet6")) {
      problems.error(
        line,
        family?.col ?? body.length + 1,
        `expected inet or inet6 after the device, found ${family ? `"${family.text}"` : "nothing"}`,
      );
      continue;
    }
    if (family.text === "inet6") {
      ipv6++;
      firstIpv6 ||= line;
      continue;
    }
    const addr = w[3];
    const m = addr ? /^([^/]+)(?:\/(\d{1,2}))?$/.exec(addr.text) : null;
    const ip = m ? parseIpv4(m[1]!) : undefined;
    const length = m?.[2] === undefined ? 32 : Number(m[2]);
    if (!addr || ip === undefined || length > 32) {
      problems.error(
        line,
        addr?.col ?? body.length + 1,
        `expected an IPv4 address with its prefix length, e.g. 10.42.0.1/24, found ${addr ? `"${addr.text}"` : "nothing"}`,
      );
      continue;
    }
    addresses.push({ dev: dev.text.replace(/@.*$/, ""), ip, length });
  }
  if (ipv6 > 0)
    problems.warn(
      "dump-skipped",
      firstIpv6,
      `${ipv6} inet6 address${ipv6 === 1 ? "" : "es"} skipped: kubehop models IPv4 only`,
    );
  if (problems.list.length > 0) throw new InputError(problems.list);
  return { addresses, warnings: problems.warnings };
}
