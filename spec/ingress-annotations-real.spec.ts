// The corpus's ingress-nginx examples (spec/fixtures/real/manifests/ingress-nginx-examples, from
// kubernetes/ingress-nginx at dbb11b92ddb77bee9c35e462479129354c84f939, cited in SOURCES.md), each loaded with
// http-svc.yaml as the examples say: what the real controller does with each (expectations.yaml) and
// that kubehop agrees, or splits where the answer cannot be known offline.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { parse } from "yaml";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import type { Branch } from "../lib/trace/types.ts";

const DIR = "spec/fixtures/real/manifests/ingress-nginx-examples";
const withService = (file: string): Topology =>
  loadTopologySync(`${readFileSync(`${DIR}/http-svc.yaml`, "utf8")}\n---\n${readFileSync(`${DIR}/${file}`, "utf8")}`);

interface Request {
  readonly curl: string;
  readonly answer: string;
}
/** What expectations.yaml says the real system answers, so the spec reads from the same page. */
function expected(file: string): Request[] {
  const all = parse(readFileSync("spec/fixtures/real/expectations.yaml", "utf8"));
  const entry = Object.entries(all)
    .flatMap(([, v]) => Object.entries(v as object))
    .find(([k]) => k === `manifests/ingress-nginx-examples/${file}`);
  expect(entry, `${file} in expectations.yaml`).to.not.equal(undefined);
  return (entry![1] as { requests: Request[] }).requests;
}
const statuses = (bs: readonly Branch[]) => [...new Set(bs.map((b) => b.http?.status))].sort();

describe("real ingress-nginx examples: app-root-ingress.yaml", () => {
  it("answers / with 302 to http://approot.bar.com/app1 (expectations: the README shows it), with no warning", () => {
    const [req] = expected("app-root-ingress.yaml");
    expect(req!.answer).to.contain("302, Location: http://approot.bar.com/app1");
    const topo = withService("app-root-ingress.yaml");
    const t = topo.curl(req!.curl.replace(/^curl /, ""));
    for (const b of t.branches) {
      expect(b.disposition).to.equal("HTTP_RESPONSE");
      expect(b.http).to.include({ status: 302, location: "http://approot.bar.com/app1", ingress: "default/approot" });
    }
    expect(topo.cluster.diagnostics.filter((d) => d.code.startsWith("ingress-annotation"))).to.deep.equal([]);
  });
});

describe("real ingress-nginx examples: external-auth-ingress.yaml", () => {
  const [req] = expected("external-auth-ingress.yaml");
  const url = () => req!.curl.replace(/^curl /, "");

  it("an auth-url outside the cluster: allowed and 401 are both possible offline (expectations: unsure), so both are branches", () => {
    expect(req!.answer).to.contain("401 without credentials");
    const t = withService("external-auth-ingress.yaml").curl(url());
    expect(statuses(t.branches)).to.deep.equal([200, 401]);
    const denied = t.branches.filter((b) => b.disposition === "HTTP_401");
    const total = (bs: Branch[]) => bs.reduce((p, b) => p + b.probability, 0);
    expect(total(denied)).to.be.closeTo(0.5, 1e-9);
    const auth = denied[0]!.hops.flatMap((h) => h.steps).find((s) => s.action === "AUTH_DENIED")!;
    expect(auth.detail).to.deep.include({ url: "https://httpbin.org/basic-auth/user/passwd", basis: "unknown" });
    expect(auth.reason).to.contain("a host outside the cluster");
  });

  it("without credentials httpbin answers 401: --auth-verdict denied gives the real answer on every branch", () => {
    const t = withService("external-auth-ingress.yaml").curl(url(), { authVerdict: "denied" });
    expect(statuses(t.branches)).to.deep.equal([401]);
  });
});

describe("real ingress-nginx examples: affinity-cookie-ingress.yaml", () => {
  it("200 from http-svc, and the branch names the cookie route that keeps later requests on the pod", () => {
    const [req] = expected("affinity-cookie-ingress.yaml");
    expect(req!.answer).to.contain("sets cookie route");
    const topo = withService("affinity-cookie-ingress.yaml");
    const t = topo.curl(req!.curl.replace(/^curl /, ""));
    for (const b of t.branches) {
      expect(b.http?.status).to.equal(200);
      expect(b.choices.join("; ")).to.contain("affinity: cookie route keeps the client here");
    }
    // The cookie's lifetime does not change where a request goes: said as information, not a warning.
    const notes = topo.cluster.diagnostics.filter((d) => d.code.startsWith("ingress-annotation"));
    expect(notes.map((d) => `${d.severity} ${d.message.split(" ")[0]}`)).to.deep.equal([
      "info nginx.ingress.kubernetes.io/session-cookie-expires",
      "info nginx.ingress.kubernetes.io/session-cookie-max-age",
    ]);
  });
});

describe("real ingress-nginx examples: rewrite-ingress.yaml", () => {
  it("http-svc sees /new for /something/new and / for /something (expectations), with no warning", () => {
    const reqs = expected("rewrite-ingress.yaml");
    const topo = withService("rewrite-ingress.yaml");
    const seen = reqs.map((r) => {
      const b = topo.curl(r.curl.replace(/^curl /, "")).branches[0]!;
      expect(b.http?.status).to.equal(200);
      const answer = b.hops.flatMap((h) => h.steps).find((s) => s.detail.kind === "app-answer")!;
      return answer.detail.kind === "app-answer" ? answer.detail.path : undefined;
    });
    expect(reqs.map((r) => r.answer)).to.deep.equal(["200; http-svc sees path /new", "200; http-svc sees path /"]);
    expect(seen).to.deep.equal(["/new", "/"]);
    expect(topo.cluster.diagnostics.filter((d) => d.code.startsWith("ingress-annotation"))).to.deep.equal([]);
  });
});
