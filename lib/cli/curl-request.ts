// The HTTP request curl would send for the flags given: the method, the headers curl sets itself
// (Content-Type and Content-Length for a body, User-Agent, Authorization, Referer, Cookie), the query
// string for -G. Files are never read: what depends on one is said, not guessed.
import { parseIpv4 } from "../model/address.ts";
import type { Given } from "./curl-args.ts";
import { UsageError } from "./io.ts";

export interface CurlRequest {
  url: string;
  method?: string;
  /** `Name: value` lines: curl's own first, then -H's, so a -H of the same name replaces curl's. */
  headers: string[];
  /** What kubehop did not read (files, stdin) and what that leaves unknown. */
  unread: string[];
  /** --resolve's entries as HOST:PORT:ADDR, checked; curl's `+` (entries that time out) dropped. */
  resolve?: string[];
}

const FORM_DATA = new Set(["data", "data-ascii", "data-raw", "data-binary", "data-urlencode", "json"]);

/** One piece of a body: its text, or undefined when it comes from a file kubehop does not read. */
interface Piece {
  given: Given;
  text: string | undefined;
}

export function curlRequest(url: string, given: readonly Given[]): CurlRequest {
  const values = (name: string) => given.filter((g) => g.name === name).map((g) => g.value!);
  const has = (name: string) => given.some((g) => g.name === name);
  const unread: string[] = [];
  const pieces = given.filter((g) => FORM_DATA.has(g.name)).map(piece);
  for (const p of pieces)
    if (p.text === undefined)
      unread.push(`${p.given.spelled}: ${fileOf(p.given.value!)} is not read, so the body's size is unknown`);
  const forms = values("form");
  const toQuery = has("get");
  if (forms.length && pieces.length)
    throw new UsageError("-F and -d both make the body; curl refuses the two together too");
  if (has("head") && !toQuery && (pieces.length || forms.length))
    throw new UsageError(
      "-I (HEAD) and -d/-F both set the method; curl refuses this too (-G sends the data in the query instead)",
    );
  if (toQuery && pieces.some((p) => p.text === undefined))
    throw new UsageError("-G with a @FILE: kubehop does not read files, so the query is unknown; give the data inline");

  const body = joined(pieces);
  const headers: string[] = [];
  if (!toQuery && body !== undefined) {
    headers.push(
      pieces.some((p) => p.given.name === "json")
        ? "Content-Type: application/json"
        : "Content-Type: application/x-www-form-urlencoded",
    );
    if (pieces.some((p) => p.given.name === "json")) headers.push("Accept: application/json");
    if (body.text !== undefined) headers.push(`Content-Length: ${Buffer.byteLength(body.text, "utf8")}`);
  }
  if (forms.length) {
    headers.push("Content-Type: multipart/form-data");
    unread.push(`-F: the multipart body's size is not computed (curl picks a random boundary)`);
  }
  const agent = values("user-agent").at(-1);
  if (agent !== undefined) headers.push(`User-Agent: ${agent}`);
  // The credentials stay out of every output: the header says only that there are some.
  if (has("user")) headers.push("Authorization: Basic <redacted>");
  const referer = values("referer")
    .at(-1)
    ?.replace(/;auto$/, "");
  if (referer) headers.push(`Referer: ${referer}`);
  const cookies = values("cookie");
  for (const c of cookies.filter((c) => !c.includes("="))) unread.push(`-b ${c}: cookies from a file are not read`);
  const jar = cookies.filter((c) => c.includes("="));
  if (jar.length) headers.push(`Cookie: ${jar.join("; ")}`);
  headers.push(...values("header"));

  const resolve = values("resolve").flatMap((v) => resolveEntry(v, unread));
  const method =
    values("request").at(-1) ??
    (has("head") ? "HEAD" : toQuery ? undefined : body !== undefined || forms.length ? "POST" : undefined);
  return {
    url: toQuery && body !== undefined ? withQuery(withScheme(url), body.text!) : withScheme(url),
    ...(method !== undefined ? { method } : {}),
    headers,
    unread,
    ...(resolve.length ? { resolve } : {}),
  };
}

/**
 * curl's --resolve forms: [+]HOST:PORT:ADDR[,ADDR...] adds an entry (HOST may be *), -HOST:PORT removes
 * one from curl's cache (nothing to remove in one run). kubehop takes one IPv4 ADDR per entry.
 */
function resolveEntry(value: string, unread: string[]): string[] {
  const expected = "expected HOST:PORT:ADDR, as curl takes it (shop.example.com:443:203.0.113.10)";
  if (/^-[^:]+:(\d+|\*)$/.test(value)) {
    unread.push(`--resolve ${value}: removes an entry from curl's DNS cache, which one run does not have`);
    return [];
  }
  const m = /^\+?([^:\s]+):(\d{1,5}|\*):(.*)$/.exec(value);
  if (!m) throw new UsageError(`--resolve ${JSON.stringify(value)}: ${expected}`);
  const [, host, port, addr] = m as unknown as [string, string, string, string];
  if (port !== "*" && (Number(port) < 1 || Number(port) > 65535))
    throw new UsageError(`--resolve ${JSON.stringify(value)}: port ${port} is not 1-65535; ${expected}`);
  const addrs = addr.split(",");
  if (addrs.length > 1)
    throw new UsageError(
      `--resolve ${JSON.stringify(value)}: ${addrs.length} addresses; kubehop takes one per entry (curl tries ` +
        "them in turn): give the one to trace",
    );
  if (parseIpv4(addr) === undefined) {
    const only = addr.startsWith("[") ? " (kubehop models IPv4 only)" : "";
    throw new UsageError(`--resolve ${JSON.stringify(value)}: "${addr}" is not an IPv4 address${only}; ${expected}`);
  }
  return [`${host}:${port}:${addr}`];
}

function piece(g: Given): Piece {
  const v = g.value!;
  if (g.name === "data-raw") return { given: g, text: v };
  if (g.name === "data-urlencode") return { given: g, text: urlencoded(v) };
  return { given: g, text: v.startsWith("@") ? undefined : v };
}

function fileOf(value: string): string {
  const at = value.indexOf("@");
  const file = value.slice(at + 1);
  return file === "-" ? "standard input" : `the file ${file}`;
}

/** -d pieces are joined with &, --json pieces follow on directly, as curl sends them. */
function joined(pieces: readonly Piece[]): { text: string | undefined } | undefined {
  if (pieces.length === 0) return undefined;
  let text: string | undefined = "";
  pieces.forEach((p, i) => {
    const sep = i > 0 && p.given.name !== "json" ? "&" : "";
    text = text === undefined || p.text === undefined ? undefined : `${text}${sep}${p.text}`;
  });
  return { text };
}

/** --data-urlencode's forms: CONTENT, =CONTENT, NAME=CONTENT, and [NAME]@FILE (not read). */
function urlencoded(v: string): string | undefined {
  const at = v.search(/[=@]/);
  if (at < 0) return curlEscape(v);
  if (v[at] === "@") return undefined;
  return at === 0 ? curlEscape(v.slice(1)) : `${v.slice(0, at)}=${curlEscape(v.slice(at + 1))}`;
}

/** curl escapes every byte but letters, digits and -._~ (encodeURIComponent also spares !'()*). */
function curlEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function withQuery(url: string, query: string): string {
  const hash = url.indexOf("#");
  const [base, fragment] = hash < 0 ? [url, ""] : [url.slice(0, hash), url.slice(hash)];
  return `${base}${base.includes("?") ? "&" : "?"}${query}${fragment}`;
}

/** curl takes `host/path` as http://host/path. */
function withScheme(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || !/^[\w.-]+(:\d+)?(\/|$)/.test(url) ? url : `http://${url}`;
}
