// The client side of a verification: one `node -e` process per source namespace runs a list of jobs
// (connect, send an HTTP request, read the answer, or time out), one connection after another, and
// prints JSON. A TCP job without a request of its own asks `GET /` of the probe host: a pod's echo
// server answers with its name and the peer it saw, and so does nginx in a controller pod (its server
// for PROBE_HOST). ICMP jobs use ping -M do (Don't Fragment) with the request's packet size.
import { PROBE_HOST } from "../emulate/nginx-config.ts";
import { runAsync } from "../emulate/runner.ts";

export interface ProbeJob {
  readonly id: number;
  readonly proto: "tcp" | "udp" | "icmp";
  readonly host: string;
  readonly port: number;
  readonly count: number;
  readonly timeoutMs: number;
  /** ICMP: the IP packet's size in bytes. */
  readonly size?: number;
  /** TCP: the HTTP request to send (curl through ingress); absent: GET / of the probe host. */
  readonly request?: HttpProbe;
  /** TCP: speak TLS first, trusting the run's CA only, with this server name (none for an IP, as curl). */
  readonly tls?: { readonly sni?: string };
}

export interface HttpProbe {
  readonly method: string;
  /** The request target, with the query. */
  readonly target: string;
  /** Header names lower-case; host among them. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The request as an echo server received it. */
export interface Echoed {
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * `tls-untrusted`: the client refused the server's certificate (not the CA's, or not for the name);
 * `tls-rejected`: the server ended the handshake (an alert, as ssl_reject_handshake sends).
 */
export type Outcome = "answer" | "refused" | "timeout" | "unreachable" | "error" | "tls-untrusted" | "tls-rejected";

export interface Attempt {
  readonly outcome: Outcome;
  /** The server's line: who answered and the peer address it saw. */
  readonly server?: string;
  readonly seen?: string;
  readonly detail?: string;
  /** The HTTP answer's status and Location header, and the request the echo server received, when it says. */
  readonly status?: number;
  readonly location?: string;
  readonly echoed?: Echoed;
  /** Milliseconds from connect() to the answer (or to the failure). */
  readonly ms: number;
}

export const PROBE_SCRIPT =
  `
const net = require("net"), tls = require("tls"), dgram = require("dgram"), cp = require("child_process");
const jobs = JSON.parse(process.argv[1]);
const PROBE_HOST = process.argv[2];
const CA = process.argv[3] || "";
const now = () => Number(process.hrtime.bigint()) / 1e6;
const classify = (code) => code === "ECONNREFUSED" || code === "ECONNRESET" ? "refused"
  : code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "EMSGSIZE" ? "unreachable"
  : /CERT|SIGNATURE|ISSUER|ALTNAME|SELF_SIGNED/.test(code || "") ? "tls-untrusted"
  : /^ERR_SSL_/.test(code || "") ? "tls-rejected" : "error";
function tcp(j) {
  return new Promise((resolve) => {
    const t0 = now(); let buf = ""; let done = false;
    const s = j.tls ? tls.connect({ host: j.host, port: j.port, ca: CA, ALPNProtocols: ["http/1.1"], ` +
  `...(j.tls.sni ? { servername: j.tls.sni } : {}) }) : net.connect({ host: j.host, port: j.port });
    const finish = (r) => { if (done) return; done = true; clearTimeout(timer); s.destroy(); resolve({ ...r, ms: ` +
  `now() - t0 }); };
    const timer = setTimeout(() => finish({ outcome: "timeout" }), j.timeoutMs);
    s.on(j.tls ? "secureConnect" : "connect", () => s.write(requestText(j.request)));
    s.on("data", (d) => { buf += d.toString("latin1"); });
    s.on("end", () => finish(buf ? answer(buf) : { outcome: "error", detail: "closed without an answer" }));
    s.on("close", () => finish(buf ? answer(buf) : { outcome: "error", detail: "closed without an answer" }));
    s.on("error", (e) => finish({ outcome: classify(e.code), detail: e.code }));
  });
}
function udp(j) {
  return new Promise((resolve) => {
    const t0 = now(); let done = false;
    const s = dgram.createSocket("udp4");
    const finish = (r) => { if (done) return; done = true; clearTimeout(timer); try { s.close(); } catch {} ` +
  `resolve({ ...r, ms: now() - t0 }); };
    const timer = setTimeout(() => finish({ outcome: "timeout" }), j.timeoutMs);
    s.on("message", (m) => finish(answer(m.toString())));
    s.on("error", (e) => finish({ outcome: classify(e.code), detail: e.code }));
    s.connect(j.port, j.host, (err) => { if (err) return finish({ outcome: classify(err.code), detail: err.code }); ` +
  `s.send("kubehop verify\\n", (e) => e && finish({ outcome: classify(e.code), detail: e.code })); });
  });
}
function icmp(j) {
  const t0 = now();
  const r = cp.spawnSync("ping", ["-n", "-c", "1", "-M", "do", "-s", String(Math.max(0, (j.size || 84) - 28)), ` +
  `"-W", String(Math.max(1, Math.ceil(j.timeoutMs / 1000))), j.host], { encoding: "utf8" });
  const out = (r.stdout || "") + (r.stderr || "");
  const m = /bytes from ([0-9.]+)/.exec(out);
  if (r.status === 0 && m) return { outcome: "answer", server: "ip:" + m[1], ms: now() - t0 };
  if (/[Ff]rag needed|[Mm]essage too long|mtu/.test(out)) return { outcome: "unreachable", detail: ` +
  `out.trim().split("\\n").filter(Boolean).pop(), ms: now() - t0 };
  if (/[Uu]nreachable/.test(out)) return { outcome: "unreachable", detail: ` +
  `out.trim().split("\\n").filter(Boolean).pop(), ms: now() - t0 };
  return { outcome: "timeout", detail: out.trim().split("\\n").filter(Boolean).pop(), ms: now() - t0 };
}
function requestText(r) {
  const req = r || { method: "GET", target: "/", headers: { host: PROBE_HOST } };
  const head = [req.method + " " + req.target + " HTTP/1.1", "host: " + req.headers.host];
  for (const [k, v] of Object.entries(req.headers)) if (k !== "host" && k !== "connection") head.push(k + ": " + v);
  return head.concat(["connection: close", "", ""]).join("\\r\\n");
}
function answer(text) {
  if (!text.startsWith("HTTP/")) {
    const [server, seen] = text.trim().split(/\\s+/);
    return { outcome: "answer", server, seen };
  }
  const end = text.indexOf("\\r\\n\\r\\n");
  const lines = text.slice(0, end < 0 ? text.length : end).split("\\r\\n");
  const body = end < 0 ? "" : text.slice(end + 4);
  const status = Number(lines[0].split(" ")[1]);
  const location = lines.slice(1).find((l) => /^location:/i.test(l));
  const out = { outcome: "answer", status, ...(location ? { location: location.slice(9).trim() } : {}) };
  try {
    const e = JSON.parse(body);
    return { ...out, server: e.server, seen: e.peer, echoed: { method: e.method, host: e.host, path: e.path, ` +
  `headers: e.headers } };
  } catch {
    const [server, seen] = status === 200 ? body.trim().split(/\\s+/) : [];
    return { ...out, ...(server ? { server, seen } : {}) };
  }
}
(async () => {
  const results = {};
  for (const j of jobs) {
    const list = (results[j.id] = []);
    for (let i = 0; i < j.count; i++) list.push(j.proto === "tcp" ? await tcp(j) : j.proto === "udp" ? await udp(j) ` +
  `: icmp(j));
  }
  process.stdout.write(JSON.stringify(results));
})();
`;

/** Runs the jobs from inside `ns`, TLS ones trusting `caPem`; resolves to the attempts per job id. */
export async function probe(ns: string, jobs: readonly ProbeJob[], caPem = ""): Promise<Map<number, Attempt[]>> {
  if (jobs.length === 0) return new Map();
  const budget = jobs.reduce((t, j) => t + j.count * (j.timeoutMs + 200), 10_000);
  const r = await runAsync(process.execPath, ["-e", PROBE_SCRIPT, JSON.stringify(jobs), PROBE_HOST, caPem], {
    ns,
    timeoutMs: budget,
  });
  if (r.code !== 0) throw new Error(`probe in ${ns} failed (${r.code}): ${r.err.trim().slice(0, 500)}`);
  const parsed = JSON.parse(r.out) as Record<string, Attempt[]>;
  return new Map(Object.entries(parsed).map(([k, v]) => [Number(k), v] as const));
}
