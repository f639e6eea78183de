// curl's command-line syntax, so a command pasted from shell history runs as it is: short flags bundled
// (-sSL), values attached or apart (-XPOST, -X POST, --data=x), `--` ends the flags, the URL anywhere,
// a leading `curl` word dropped. kubehop's own flags sit beside curl's; where both tools use one
// letter, the rule is in the flag's help. Light on purpose: `kubehop curl --help` reads this table.
import { DUMPS_OPTION, type OptionSpec } from "./command.ts";
import { UsageError } from "./io.ts";
import { didYouMean } from "../model/suggest.ts";

interface CurlFlag extends OptionSpec {
  /** curl takes it, but nothing on the simulated path depends on it: listed on stderr as such. */
  inert?: true;
  /** Said beside it in that list, when "no effect" alone would mislead. */
  note?: string;
}

const on = (help: string, short?: string): CurlFlag => ({ type: "boolean", help, ...(short ? { short } : {}) });
const val = (value: string, help: string, short?: string): CurlFlag => ({
  type: "string",
  value,
  help,
  ...(short ? { short } : {}),
});
const many = (flag: CurlFlag): CurlFlag => ({ ...flag, multiple: true });
const inert = (flag: CurlFlag): CurlFlag => ({ ...flag, help: `${flag.help}: no effect on the path`, inert: true });

/** `-o` values that are kubehop's output formats; any other value is curl's output file. */
export const OUTPUT_FORMATS = ["text", "json", "yaml", "wide", "mermaid"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const FLAGS: Record<string, CurlFlag> = {
  // kubehop's own
  file: val(
    "TOPO",
    "the topology: a YAML file or a folder. -f is the topology only when the next word is an existing file or " +
      "folder and no topology was given yet; any other -f is curl's --fail (-t is always the topology, never " +
      "curl's --telnet-option)",
    "f",
  ),
  from: val(
    "LOC",
    "where curl runs: client/NAME (default: the first client), pod/[NS/]NAME, deploy/NAME, sts/NAME, ds/NAME (each " +
      "pod a branch), node/NAME",
  ),
  namespace: val("NS", "the namespace for pod/NAME in --from (kubehop's -n wins over curl's -n, --netrc)", "n"),
  all: on("print every branch in full"),
  branch: val("K", "print branch K (1-based) in full"),
  seed: val("N", "sample one branch by its probability, seeded: the same N picks the same branch"),
  output: val(
    "FORMAT|FILE",
    "text, json, yaml, wide (text with every step) or mermaid; any other value is curl's output file, accepted with " +
      "no effect on the path",
    "o",
  ),
  format: val("FORMAT", "text, json, yaml or mermaid (older spelling of -o)"),
  json: val(
    "[DATA]",
    "print JSON (as -o json); followed by '{...}', '[...]' or @FILE, or as --json=DATA, it is curl's --json: a POST " +
      "of DATA as application/json",
  ),
  verbose: on("every step of every hop, with the deciding rule (curl's -v: more detail)", "v"),
  svg: val("FILE", "also draw the shown branches over the cluster into FILE (SVG)"),
  view: val("cluster|path", "with --svg: the path over the whole cluster (default) or only the devices it crosses"),
  "no-reply": on("leave the reply out of the drawing and the Mermaid diagram"),
  "trace-dns": on("from a pod: trace the DNS query to kube-dns too"),
  "auth-verdict": val(
    "allowed|denied",
    "what every auth-url subrequest answers (2xx or 401); without it, each splits the trace into both, since the " +
      "auth service's verdict is unknown offline",
  ),
  "no-cache": on("do not use or write the cached snapshot of a large topology"),
  strict: on("treat warnings as errors: print them and exit 2 (for CI)"),
  dumps: val("DIR", DUMPS_OPTION.help),
  // curl's, changing the request
  url: val("URL", "the URL (or give it as a word anywhere; without a scheme it is http://, as curl does)"),
  header: many(val("'NAME: VALUE'", "a request header; it replaces a header curl would set from the other flags", "H")),
  request: val("METHOD", "the method, whatever the other flags imply", "X"),
  resolve: many(val("HOST:PORT:ADDR", "use ADDR for HOST:PORT instead of DNS")),
  insecure: on("accept a certificate that does not match the host (the controller's default one)", "k"),
  location: on("follow redirects, each a trace of its own", "L"),
  data: many(
    val(
      "DATA",
      "POST DATA as application/x-www-form-urlencoded; several are joined with &; a @FILE is not read, so the " +
        "body's size is unknown",
      "d",
    ),
  ),
  "data-ascii": many(val("DATA", "the same as -d")),
  "data-raw": many(val("DATA", "as -d, with @ not special")),
  "data-binary": many(val("DATA", "as -d; a @FILE is not read")),
  "data-urlencode": many(
    val("DATA", "as -d, URL-encoding the content: CONTENT, =CONTENT, NAME=CONTENT, [NAME]@FILE (not read)"),
  ),
  form: many(
    val("NAME=CONTENT", "a multipart/form-data POST; its size is not computed (curl picks a random boundary)", "F"),
  ),
  get: on("send the data in the URL's query string, with GET (or HEAD with -I)", "G"),
  head: on("a HEAD request", "I"),
  "user-agent": val("NAME", "the User-Agent header", "A"),
  user: val(
    "USER[:PASSWORD]",
    "Authorization: Basic, always shown as <redacted>: the credentials are never printed",
    "u",
  ),
  referer: val("URL", "the Referer header (a trailing ;auto is dropped)", "e"),
  cookie: many(val("NAME=VALUE|FILE", "the Cookie header; a FILE of cookies is not read", "b")),
  fail: on(
    "exit 22 when the response is HTTP 400 or above, as curl does (without it, an HTTP error is exit 1, as every " +
      "failed kubehop trace is). -f is the topology instead when an existing file or folder follows it and no " +
      "topology was given yet",
    "f",
  ),
  "fail-with-body": on("the same as --fail"),
  // curl's, accepted: nothing kubehop follows depends on them
  silent: inert(on("curl's silent mode", "s")),
  "show-error": inert(on("curl's error messages under -s", "S")),
  include: inert(on("print the response headers", "i")),
  "http1.0": inert(on("HTTP/1.0", "0")),
  "http1.1": inert(on("HTTP/1.1")),
  http2: inert(on("HTTP/2")),
  "http2-prior-knowledge": inert(on("HTTP/2 without upgrading")),
  "max-time": inert(val("SECONDS", "a limit on the whole transfer", "m")),
  "connect-timeout": inert(val("SECONDS", "a limit on connecting")),
  compressed: inert(on("ask for a compressed response")),
  "remote-name": inert(on("write the body to a file named from the URL", "O")),
  "write-out": inert(val("FORMAT", "print FORMAT after the transfer", "w")),
  "dump-header": inert(val("FILE", "write the response headers to FILE", "D")),
  "cookie-jar": inert(val("FILE", "write the cookies received to FILE", "c")),
  retry: inert(val("N", "retries on transient errors")),
  "retry-delay": inert(val("SECONDS", "the wait between retries")),
  "retry-max-time": inert(val("SECONDS", "the time limit on retrying")),
  "retry-connrefused": inert(on("retry a refused connection too")),
  "retry-all-errors": inert(on("retry on any error")),
  "max-redirs": inert(val("N", "a limit on -L (kubehop follows at most 10)")),
  "progress-bar": inert(on("a progress bar instead of the meter", "#")),
  "no-progress-meter": inert(on("no progress meter")),
  "no-buffer": inert(on("unbuffered output", "N")),
  "no-keepalive": inert(on("no TCP keepalive probes")),
  globoff: inert(on("no {} and [] globbing in the URL", "g")),
  ipv4: inert(on("IPv4 only (the only family kubehop models)", "4")),
  ipv6: {
    ...inert(on("IPv6 only (kubehop models IPv4: the trace is over IPv4)", "6")),
    note: "kubehop models IPv4: traced over IPv4",
  },
  stderr: inert(val("FILE", "curl's messages to FILE")),
  "trace-ascii": inert(val("FILE", "curl's debug dump to FILE")),
};

/** Flags whose effect would change the path in a way kubehop does not follow: refused, saying why. */
const PROXY = "a forward proxy is not modelled: the request would go to the proxy, not through the cluster's path";
const REFUSED: Record<string, string> = {
  proxy: PROXY,
  x: PROXY,
  http3: "HTTP/3 runs over QUIC (UDP), which the ingress controller here does not serve; kubehop follows TCP",
  "connect-to": "not modelled; use --resolve HOST:PORT:ADDR to send the request to another address",
  "unix-socket": "a Unix socket never reaches the network",
};

/** Every flag `kubehop curl` understands, for its help, completion and did-you-mean. */
export const CURL_OPTIONS: Record<string, OptionSpec> = FLAGS;

/** Short letters to long names; -f is curl's --fail unless the rule in the -f help makes it the topology. */
const SHORT: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(FLAGS).flatMap(([long, f]) => (f.short && long !== "file" ? [[f.short, long]] : [])),
  ),
  t: "file",
};

/** One flag as given: its long name, its value, and how the user spelled it (for the inert list). */
export interface Given {
  name: string;
  value?: string;
  spelled: string;
}

export interface CurlWords {
  given: Given[];
  /** The words that are not flags, a leading `curl` left out. */
  urls: string[];
}

/**
 * Splits argv as curl does. `exists` says whether a path is a file or folder (for the -f rule); it is
 * passed in so the syntax stays free of the file system in specs.
 */
export function splitCurlArgs(argv: readonly string[], exists: (path: string) => boolean): CurlWords {
  const given: Given[] = [];
  const urls: string[] = [];
  let flagsEnded = false;
  let pastedCurl = false;
  const hasTopology = () => given.some((g) => g.name === "file");
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const next = argv[i + 1];
    if (flagsEnded || word === "-" || !word.startsWith("-")) {
      // A line pasted whole starts with curl's own name: no URL is just "curl".
      if (word === "curl" && urls.length === 0 && !pastedCurl) pastedCurl = true;
      else urls.push(word);
    } else if (word === "--") flagsEnded = true;
    else if (word.startsWith("--")) i += longFlag(word, next, given);
    else if (word === "-f" && next !== undefined && !hasTopology() && topologyWord(next, exists)) {
      given.push({ name: "file", value: next, spelled: `-f ${next}` });
      i++;
    } else i += shortFlags(word, next, given);
  }
  return { given, urls };
}

/** `-f X` names the topology when X is there; a missing X that looks like one is an error, not a URL. */
function topologyWord(next: string, exists: (path: string) => boolean): boolean {
  if (exists(next)) return true;
  if (/\.(ya?ml|json)$/i.test(next) && !next.includes("://")) {
    throw new UsageError(
      `-f ${next}: no such file or folder (the topology); curl's --fail is -f before a flag or the URL, or --fail`,
    );
  }
  return false;
}

/** Returns how many extra words it consumed (0 or 1). */
function longFlag(word: string, next: string | undefined, given: Given[]): number {
  const eq = word.indexOf("=");
  const name = word.slice(2, eq < 0 ? undefined : eq);
  const attached = eq < 0 ? undefined : word.slice(eq + 1);
  const flag = known(name, `--${name}`);
  if (name === "json") return jsonFlag(attached, next, given);
  if (flag.type === "boolean") {
    if (attached !== undefined) throw new UsageError(`--${name} takes no value`);
    given.push({ name, spelled: `--${name}` });
    return 0;
  }
  const value = attached ?? next;
  if (value === undefined) throw new UsageError(`--${name} needs a value (${flag.value})`);
  given.push({ name, value, spelled: `--${name} ${value}` });
  return attached === undefined ? 1 : 0;
}

/** curl's --json DATA or kubehop's --json output: by the look of what follows (see its help). */
function jsonFlag(attached: string | undefined, next: string | undefined, given: Given[]): number {
  const data = attached ?? (next !== undefined && /^[[{@"]/.test(next) ? next : undefined);
  if (data === undefined) {
    given.push({ name: "output", value: "json", spelled: "--json" });
    return 0;
  }
  given.push({ name: "json", value: data, spelled: `--json ${data}` });
  return attached === undefined ? 1 : 0;
}

/** `-sSL`, `-XPOST`, `-X POST`: letters until one takes a value, which is the rest or the next word. */
function shortFlags(word: string, next: string | undefined, given: Given[]): number {
  for (let j = 1; j < word.length; j++) {
    const letter = word[j]!;
    const name = SHORT[letter] ?? refuseOrUnknown(letter);
    const flag = FLAGS[name]!;
    if (flag.type === "boolean") {
      given.push({ name, spelled: `-${letter}` });
      continue;
    }
    const rest = word.slice(j + 1);
    const value = rest !== "" ? rest : next;
    if (value === undefined) throw new UsageError(`-${letter} needs a value (${flag.value})`);
    given.push({ name, value, spelled: `-${letter} ${value}` });
    return rest !== "" ? 0 : 1;
  }
  return 0;
}

function known(name: string, spelled: string): CurlFlag {
  const flag = FLAGS[name];
  if (flag) return flag;
  const why = REFUSED[name];
  if (why !== undefined) throw new UsageError(`${spelled}: ${why}`);
  const names = Object.keys(FLAGS).map((n) => `--${n}`);
  throw new UsageError(`unknown flag ${spelled}${didYouMean(spelled, names)}; see --help`);
}

function refuseOrUnknown(letter: string): never {
  const why = REFUSED[letter];
  if (why !== undefined) throw new UsageError(`-${letter}: ${why}`);
  // One letter is one edit from every other: only the same letter in the other case is a likely typo.
  const other = Object.keys(SHORT).filter((s) => s !== letter && s.toLowerCase() === letter.toLowerCase());
  throw new UsageError(
    `unknown flag -${letter}${didYouMean(
      `-${letter}`,
      other.map((s) => `-${s}`),
    )}; see --help`,
  );
}

/** The flags given that kubehop accepts without following them, as the user spelled them. */
export function inertFlags(given: readonly Given[]): string[] {
  const inert = given.filter((g) => FLAGS[g.name]!.inert || (g.name === "output" && !isFormat(g.value)));
  return [...new Set(inert.map((g) => (FLAGS[g.name]!.note ? `${g.spelled} (${FLAGS[g.name]!.note})` : g.spelled)))];
}

export function isFormat(value: string | undefined): value is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(value ?? "");
}

export type TraceFormat = Exclude<OutputFormat, "wide">;

/** kubehop's side of the line: what to load, where to start, what to print. */
export interface CurlCommandLine {
  topology: string;
  url: string;
  from?: string;
  namespace?: string;
  all: boolean;
  branch?: string;
  seed?: string;
  format: TraceFormat;
  verbose: boolean;
  svg?: string;
  view?: string;
  reply: boolean;
  resolve: string[];
  insecure: boolean;
  authVerdict?: "allowed" | "denied";
  follow: boolean;
  traceDns: boolean;
  cache: boolean;
  strict: boolean;
  /** --dumps DIR: node dumps from a folder the user names. */
  dumps?: string;
  fail: boolean;
}

export function commandLine({ given, urls }: CurlWords): CurlCommandLine {
  const values = (name: string) => given.filter((g) => g.name === name).map((g) => g.value!);
  const has = (name: string) => given.some((g) => g.name === name);
  const last = (name: string) => values(name).at(-1);
  const topologies = [...new Set(values("file"))];
  if (topologies.length === 0) throw new UsageError("missing the topology: -f TOPO (a YAML file or a folder)");
  if (topologies.length > 1) throw new UsageError(`give the topology once (got ${topologies.join(", ")})`);
  const all = [...urls, ...values("url")];
  if (all.length !== 1)
    throw new UsageError(all.length === 0 ? "missing URL" : `one URL at a time (got ${all.join(", ")})`);
  const [branch, seed] = [last("branch"), last("seed")];
  if ([has("all") || undefined, branch, seed].filter((v) => v !== undefined).length > 1)
    throw new UsageError("give at most one of --all, --branch K, --seed N");
  const format = outputFormat(given);
  const [from, namespace, svg] = [last("from"), last("namespace"), last("svg")];
  const authVerdict = last("auth-verdict");
  if (authVerdict !== undefined && authVerdict !== "allowed" && authVerdict !== "denied")
    throw new UsageError(`--auth-verdict ${authVerdict}: expected allowed or denied`);
  return {
    topology: topologies[0]!,
    url: all[0]!,
    ...(from !== undefined ? { from } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    all: has("all"),
    ...(branch !== undefined ? { branch } : {}),
    ...(seed !== undefined ? { seed } : {}),
    format: format === "wide" ? "text" : format,
    verbose: has("verbose") || format === "wide",
    ...(svg !== undefined ? { svg } : {}),
    ...(last("view") !== undefined ? { view: last("view")! } : {}),
    reply: !has("no-reply"),
    resolve: values("resolve"),
    insecure: has("insecure"),
    ...(authVerdict !== undefined ? { authVerdict } : {}),
    follow: has("location"),
    traceDns: has("trace-dns"),
    cache: !has("no-cache"),
    strict: has("strict"),
    ...(last("dumps") !== undefined ? { dumps: last("dumps")! } : {}),
    fail: has("fail") || has("fail-with-body"),
  };
}

/** -o FORMAT, --format FORMAT and --json name one format between them; -o FILE is curl's, not one. */
function outputFormat(given: readonly Given[]): OutputFormat {
  const named = given.flatMap((g) => {
    if (g.name === "output") return isFormat(g.value) ? [g.value] : [];
    if (g.name !== "format") return [];
    if (!isFormat(g.value)) throw new UsageError(`--format ${g.value}: expected ${OUTPUT_FORMATS.join(", ")}`);
    return [g.value];
  });
  const distinct = [...new Set(named)];
  if (distinct.length > 1) throw new UsageError(`give one output format (got ${distinct.join(", ")})`);
  return distinct[0] ?? "text";
}
