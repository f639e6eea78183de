// kubehop validate shows the Gateway API status it computes (issue 16, items 1 and 3): per Gateway its
// conditions and listeners (Accepted, ResolvedRefs, Conflicted, Programmed, attachedRoutes), per route
// each parentRef's Accepted and ResolvedRefs, each at the file:line it is written; in text and --json
// (schemas/validate.schema.json). The input is the conformance suite's GatewayWithAttachedRoutes and
// GatewayInvalidTLSConfiguration manifests (see spec/fixtures/gateway-conformance/SOURCES.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { describe, it } from "mocha";
import { runCli } from "./support/cli.ts";
import { expectSchemaValid } from "./support/schemas.ts";

const DIR = join(import.meta.dirname, "fixtures", "gateway-conformance");
const TOPOLOGY = ["base.yaml", "gateway-with-attached-routes.yaml", "gateway-invalid-tls-configuration.yaml"]
  .map((f) => readFileSync(join(DIR, f), "utf8"))
  .join("\n---\n");

/** The 1-based line of the document that starts with `kind: KIND` and names `name`. */
function lineOf(kind: string, name: string): number {
  const lines = TOPOLOGY.split("\n");
  const i = lines.findIndex((l, j) => l === `kind: ${kind}` && lines[j + 1]?.includes(`name: ${name},`));
  expect(i, `${kind} ${name} in the topology`).to.be.at.least(0);
  return i; // the object starts at its apiVersion line, the one before kind
}

describe("kubehop validate: Gateway API status", () => {
  it("text: each Gateway, its listeners and each route's parents, with conditions, reasons and file:line", async () => {
    const r = await runCli(["validate", "-t", TOPOLOGY]);
    expect(r.code, r.stderr).to.equal(0);
    const out = r.stdout;
    expect(out).to.include("Gateway API status:\n");
    const one = lineOf("Gateway", "gateway-with-one-attached-route");
    expect(out).to.include(
      `  Gateway gateway-conformance-infra/gateway-with-one-attached-route (class kubehop), <input>:${one}\n` +
        "    Accepted True, Programmed True\n" +
        `    listener http (HTTP 80, any host), <input>:${one + 6}: 1 route attached\n` +
        "      Accepted True, ResolvedRefs True, Conflicted False, Programmed True\n",
    );
    const two = lineOf("Gateway", "gateway-with-two-attached-routes");
    expect(out).to.include(`    listener http (HTTP 80, foo.example.com), <input>:${two + 6}: 2 routes attached\n`);
    expect(out).to.match(
      new RegExp(
        "listener tls \\(HTTPS 443, any host\\), <input>:\\d+: 1 route attached\n" +
          "      Accepted True, ResolvedRefs False \\(InvalidCertificateRef: Secret gateway-conformance-infra/" +
          "does-not-exist is not in the input\\), Conflicted False, Programmed False \\(Invalid: ",
      ),
    );
    expect(out).to.match(
      new RegExp(
        "listener https \\(HTTPS 443, any host\\), <input>:\\d+: 0 routes attached\n" +
          "      Accepted True, ResolvedRefs False \\(InvalidCertificateRef: Secret gateway-conformance-infra/" +
          "malformed-certificate: its tls\\.crt holds no PEM certificate",
      ),
    );
    const notAccepted = lineOf("HTTPRoute", "http-route-not-accepted");
    expect(out).to.include(
      `  HTTPRoute gateway-conformance-infra/http-route-not-accepted, <input>:${notAccepted}\n` +
        "    parent Gateway gateway-conformance-infra/gateway-with-two-attached-routes: Accepted False " +
        "(NoMatchingListenerHostname: none of the hostnames not-accepted.test.com intersects a listener hostname of " +
        "Gateway gateway-conformance-infra/gateway-with-two-attached-routes), ResolvedRefs True\n",
    );
    expect(out).to.include(
      "    parent Gateway gateway-conformance-infra/unresolved-gateway-with-one-attached-unresolved-route " +
        "section tls: " +
        "Accepted True, ResolvedRefs False (BackendNotFound: Service gateway-conformance-infra/does-not-exist " +
        "is not in the input)\n",
    );
    expect(r.stderr).to.include("warning[gateway-listener-not-served]");
  });

  it("--json: the same status, valid against schemas/validate.schema.json", async () => {
    const r = await runCli(["validate", "-t", TOPOLOGY, "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    const json = JSON.parse(r.stdout);
    expectSchemaValid("validate", json);
    const gw = json.gatewayApi.gateways.find(
      (g: { gateway: string }) =>
        g.gateway === "gateway-conformance-infra/unresolved-gateway-with-one-attached-unresolved-route",
    );
    expect(gw.at).to.equal(`<input>:${lineOf("Gateway", "unresolved-gateway-with-one-attached-unresolved-route")}`);
    expect(gw.listeners).to.have.length(1);
    expect(gw.listeners[0]).to.deep.include({ name: "tls", port: 443, protocol: "HTTPS", attachedRoutes: 1 });
    expect(gw.listeners[0].supportedKinds).to.deep.equal(["HTTPRoute"]);
    expect(gw.listeners[0].conditions).to.deep.include({
      type: "ResolvedRefs",
      status: "False",
      reason: "InvalidCertificateRef",
      message: "Secret gateway-conformance-infra/does-not-exist is not in the input",
    });
    const notAccepted = json.gatewayApi.routes.find(
      (x: { route: string }) => x.route === "gateway-conformance-infra/http-route-not-accepted",
    );
    expect(notAccepted).to.deep.include({ kind: "HTTPRoute" });
    expect(notAccepted.parents[0].conditions.map((c: { reason: string }) => c.reason)).to.deep.equal([
      "NoMatchingListenerHostname",
      "ResolvedRefs",
    ]);
    expect(json.diagnostics.map((d: { code: string }) => d.code)).to.include("gateway-listener-not-served");
  });

  it("prints no Gateway API section for a topology without Gateway API objects", async () => {
    const r = await runCli(["validate", "-f", "topologies/default.yaml"]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.not.include("Gateway API status");
    const json = JSON.parse((await runCli(["validate", "-f", "topologies/default.yaml", "-o", "json"])).stdout);
    expect(json.gatewayApi).to.deep.equal({ gateways: [], routes: [] });
    expectSchemaValid("validate", json);
  });
});
