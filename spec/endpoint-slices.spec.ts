// The EndpointSlice controller: selection, readiness conditions and targetPort resolution.
import { expect } from "chai";
import { deriveEndpointSlices, endpointsFor } from "../lib/control/endpoint-slices.ts";
import { cluster, ip, pod, service } from "./support/cluster-fixture.ts";

const named = service("shop", "web", {
  clusterIP: "172.30.0.10",
  selector: { app: "web" },
  ports: [
    { name: "http", port: 80, targetPort: "http" },
    { name: "metrics", port: 9090, targetPort: 9090 },
  ],
});

const httpPort = { name: "http", containerPort: 8080, protocol: "TCP" as const };

describe("EndpointSlice derivation", () => {
  it("selects ready pods in the Service's namespace whose labels match", () => {
    const slices = deriveEndpointSlices(
      [named],
      [
        pod("shop", "web-1", { ip: "10.0.1.5", node: "node-1", labels: { app: "web", tier: "x" }, ports: [httpPort] }),
        pod("shop", "api-1", { ip: "10.0.1.6", labels: { app: "api" }, ports: [httpPort] }),
        pod("other", "web-1", { ip: "10.0.2.5", labels: { app: "web" }, ports: [httpPort] }),
      ],
    );
    expect(slices).to.have.length(1);
    expect(slices[0]).to.deep.include({ namespace: "shop", serviceName: "web", derived: true });
    expect(slices[0]!.name).to.match(/^web-[a-z0-9]{5}$/);
    expect(slices[0]!.ports).to.deep.equal([
      { name: "http", port: 8080, protocol: "TCP" },
      { name: "metrics", port: 9090, protocol: "TCP" },
    ]);
    expect(slices[0]!.endpoints).to.deep.equal([
      {
        ip: ip("10.0.1.5"),
        ready: true,
        serving: true,
        terminating: false,
        nodeName: "node-1",
        pod: { namespace: "shop", name: "web-1" },
      },
    ]);
  });

  it("marks unready pods not ready and not serving, terminating pods serving but not ready", () => {
    const slices = deriveEndpointSlices(
      [named],
      [
        pod("shop", "web-1", { ip: "10.0.1.5", labels: { app: "web" }, ports: [httpPort], ready: false }),
        pod("shop", "web-2", { ip: "10.0.1.6", labels: { app: "web" }, ports: [httpPort], terminating: true }),
      ],
    );
    const conditions = slices[0]!.endpoints.map((e) => [
      `${e.pod?.namespace}/${e.pod?.name}`,
      e.ready,
      e.serving,
      e.terminating,
    ]);
    expect(conditions).to.deep.equal([
      ["shop/web-1", false, false, false],
      ["shop/web-2", false, true, true],
    ]);
  });

  it("groups pods by resolved ports, leaving a named port out where the pod lacks it", () => {
    const slices = deriveEndpointSlices(
      [named],
      [
        pod("shop", "web-1", { ip: "10.0.1.5", labels: { app: "web" }, ports: [httpPort] }),
        pod("shop", "web-2", { ip: "10.0.1.6", labels: { app: "web" }, ports: [{ ...httpPort, containerPort: 8081 }] }),
        pod("shop", "web-3", { ip: "10.0.1.7", labels: { app: "web" }, ports: [{ ...httpPort, protocol: "UDP" }] }),
      ],
    );
    const summary = slices.map((s) => [
      s.ports.map((p) => `${p.name}:${p.port}`).join(","),
      s.endpoints.map((e) => `${e.pod?.namespace}/${e.pod?.name}`).join(","),
    ]);
    expect(summary).to.have.deep.members([
      ["http:8080,metrics:9090", "shop/web-1"],
      ["http:8081,metrics:9090", "shop/web-2"],
      ["metrics:9090", "shop/web-3"],
    ]);
    expect(new Set(slices.map((s) => s.name)).size).to.equal(3);
    expect(deriveEndpointSlices([named], [...podsReversed()]).map((s) => s.name)).to.deep.equal(
      slices.map((s) => s.name),
    );

    function* podsReversed() {
      yield pod("shop", "web-3", { ip: "10.0.1.7", labels: { app: "web" }, ports: [{ ...httpPort, protocol: "UDP" }] });
      yield pod("shop", "web-2", {
        ip: "10.0.1.6",
        labels: { app: "web" },
        ports: [{ ...httpPort, containerPort: 8081 }],
      });
      yield pod("shop", "web-1", { ip: "10.0.1.5", labels: { app: "web" }, ports: [httpPort] });
    }
  });

  it("writes an empty slice when nothing matches, and none for selector-less or ExternalName Services", () => {
    const lonely = deriveEndpointSlices([named], []);
    expect(lonely).to.have.length(1);
    expect(lonely[0]!.endpoints).to.deep.equal([]);
    expect(lonely[0]!.ports).to.deep.equal([{ name: "metrics", port: 9090, protocol: "TCP" }]);
    const { selector: _, ...noSelector } = named;
    const external = service("shop", "ext", { type: "ExternalName", selector: { app: "web" } });
    const pods = [pod("shop", "web-1", { ip: "10.0.1.5", labels: { app: "web" }, ports: [httpPort] })];
    expect(deriveEndpointSlices([noSelector, external], pods)).to.deep.equal([]);
  });

  it("lists a hostNetwork pod at the address the model gives it, its node's IP", () => {
    const slices = deriveEndpointSlices(
      [named],
      [pod("shop", "web-h", { ip: "192.168.0.2", labels: { app: "web" }, ports: [httpPort], hostNetwork: true })],
    );
    expect(slices[0]!.endpoints[0]!.ip).to.equal(ip("192.168.0.2"));
  });

  it("endpointsFor gives kube-proxy's view of one Service port, sorted by ip:port", () => {
    const pods = ["10.0.1.5", "10.0.1.11"].map((a, i) =>
      pod("shop", `web-${i}`, { ip: a, labels: { app: "web" }, ports: [httpPort] }),
    );
    const c = cluster({ services: [named], pods, endpointSlices: deriveEndpointSlices([named], pods) });
    expect(endpointsFor(c, named, named.ports[0]!).map((e) => e.hostPort)).to.deep.equal([
      "10.0.1.11:8080",
      "10.0.1.5:8080",
    ]);
  });
});
