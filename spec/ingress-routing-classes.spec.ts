// Which Ingresses ingress-nginx serves, and the schema's refusals with their exact messages.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { parse } from "yaml";
import { IngressClassSchema, IngressSchema } from "../lib/input/ingress-schema.ts";
import { pathText } from "../lib/input/load.ts";
import { selectIngresses } from "../lib/ingress/classes.ts";
import { toIngress, toIngressClass } from "../lib/ingress/from-objects.ts";
import type { Ingress, IngressClass } from "../lib/model/ingress.ts";
import { route } from "../lib/ingress/router.ts";

function ing(name: string, over: Partial<Ingress> = {}): Ingress {
  return {
    namespace: "shop",
    name,
    annotations: {},
    rules: [{ host: "shop.example.com", paths: [] }],
    tls: [],
    ...over,
  };
}
const nginx: IngressClass = { name: "nginx", controller: "k8s.io/ingress-nginx", isDefault: false };
const traefik: IngressClass = { name: "traefik", controller: "traefik.io/ingress-controller", isDefault: false };

function served(ingresses: Ingress[], classes: IngressClass[]) {
  const sel = selectIngresses(ingresses, classes);
  return {
    served: sel.served.map((s) => `${s.ingress.name}=${s.className}`),
    ignored: sel.ignored.map((i) => i.reason),
    sel,
  };
}

describe("ingress classes: which Ingresses ingress-nginx serves", () => {
  it("serves ingressClassName naming a class of controller k8s.io/ingress-nginx, and ignores another controller's class with the reason", () => {
    const r = served([ing("a", { className: "nginx" }), ing("b", { className: "traefik" })], [nginx, traefik]);
    expect(r.served).to.deep.equal(["a=nginx"]);
    expect(r.ignored).to.deep.equal([
      "Ingress shop/b is of class traefik, which no controller here serves: IngressClass traefik names controller traefik.io/ingress-controller, not k8s.io/ingress-nginx",
    ]);
  });

  it("a class name with no IngressClass object is not served", () => {
    expect(served([ing("a", { className: "missing" })], [nginx]).ignored).to.deep.equal([
      "Ingress shop/a is of class missing, which no controller here serves: there is no IngressClass named missing",
    ]);
  });

  it("an Ingress without a class gets the class annotated is-default-class (the newest of several)", () => {
    const older = { ...nginx, isDefault: true, creationTimestamp: "2024-01-01T00:00:00Z" };
    const newer = { ...traefik, isDefault: true, creationTimestamp: "2024-02-01T00:00:00Z" };
    expect(served([ing("a")], [older]).served).to.deep.equal(["a=nginx"]);
    const both = served([ing("a")], [older, newer]);
    expect(both.served).to.deep.equal([]);
    expect(both.ignored[0]).to.contain("class traefik");
  });

  it("without a default class an Ingress with no class is ignored", () => {
    expect(served([ing("a")], [nginx]).ignored).to.deep.equal([
      'Ingress shop/a names no class and no IngressClass is the default; ingress-nginx ignores it ("ingress does not contain a valid IngressClass")',
    ]);
  });

  it("with no IngressClass objects at all, a default class nginx is assumed", () => {
    const r = served([ing("a"), ing("b", { className: "nginx" }), ing("c", { className: "other" })], []);
    expect(r.served).to.deep.equal(["a=nginx", "b=nginx"]);
    expect(r.sel.assumedDefaultClass).to.equal(true);
    expect(r.ignored).to.deep.equal([
      "Ingress shop/c is of class other, which no controller here serves: there is no IngressClass named other",
    ]);
  });

  it("the legacy annotation is accepted only when it equals --ingress-class (nginx), even with no IngressClass named so", () => {
    const legacy = (v: string) => ing(`legacy-${v}`, { annotations: { "kubernetes.io/ingress.class": v } });
    const r = served([legacy("nginx"), legacy("gce")], [traefik]);
    expect(r.served).to.deep.equal(["legacy-nginx=nginx"]);
    expect(r.ignored).to.deep.equal([
      'Ingress shop/legacy-gce is of class gce (annotation kubernetes.io/ingress.class), which no controller here serves: ingress-nginx accepts only "nginx"',
    ]);
  });

  it("ingressClassName wins over the legacy annotation, and the annotation blocks default-class defaulting", () => {
    const both = ing("both", { className: "traefik", annotations: { "kubernetes.io/ingress.class": "nginx" } });
    expect(served([both], [nginx, traefik]).served).to.deep.equal([]);
    const annotated = ing("annotated", { annotations: { "kubernetes.io/ingress.class": "gce" } });
    expect(served([annotated], [{ ...nginx, isDefault: true }]).served).to.deep.equal([]);
  });
});

describe("ingress schema: what the API server would refuse, with exact messages", () => {
  const base = () => ({
    metadata: { name: "x", namespace: "shop" },
    spec: {
      rules: [
        {
          host: "shop.example.com",
          http: {
            paths: [{ path: "/api", pathType: "Prefix", backend: { service: { name: "api", port: { number: 80 } } } }],
          },
        },
      ],
    },
  });
  function problems(
    value: unknown,
    schema: typeof IngressSchema | typeof IngressClassSchema = IngressSchema,
  ): string[] {
    const r = schema.safeParse(value);
    return r.success
      ? []
      : r.error.issues.map(
          (i) => `${pathText(i.path.filter((p): p is string | number => typeof p !== "symbol"))}: ${i.message}`,
        );
  }
  const P = "spec.rules[0].http.paths[0]";
  type Doc = ReturnType<typeof base>;
  const CASES: [string, (d: Doc) => unknown, string][] = [
    ["a valid Ingress", (d) => d, ""],
    [
      "no rules and no defaultBackend",
      (d) => ({ ...d, spec: {} }),
      "spec: either defaultBackend or rules must be specified",
    ],
    [
      "pathType missing",
      (d) => {
        delete (d.spec.rules[0]!.http.paths[0] as { pathType?: string }).pathType;
        return d;
      },
      `${P}.pathType: pathType is required in networking.k8s.io/v1; expected Exact, Prefix or ImplementationSpecific`,
    ],
    [
      "pathType misspelt",
      (d) => {
        d.spec.rules[0]!.http.paths[0]!.pathType = "prefix";
        return d;
      },
      `${P}.pathType: pathType is required in networking.k8s.io/v1; expected Exact, Prefix or ImplementationSpecific`,
    ],
    [
      "Prefix path without a leading slash",
      (d) => {
        d.spec.rules[0]!.http.paths[0]!.path = "api";
        return d;
      },
      `${P}.path: a Prefix path must be an absolute path starting with "/", e.g. /api`,
    ],
    [
      "Exact path with //",
      (d) => {
        d.spec.rules[0]!.http.paths[0]!.path = "/a//b";
        d.spec.rules[0]!.http.paths[0]!.pathType = "Exact";
        return d;
      },
      `${P}.path: Exact path "/a//b" must not contain "//"`,
    ],
    [
      "Prefix path ending in /..",
      (d) => {
        d.spec.rules[0]!.http.paths[0]!.path = "/a/..";
        return d;
      },
      `${P}.path: Prefix path "/a/.." must not end with "/.."`,
    ],
    [
      "wildcard not in front",
      (d) => {
        d.spec.rules[0]!.host = "foo.*.com";
        return d;
      },
      `spec.rules[0].host: host "foo.*.com": a wildcard must be exactly one leading "*." label, e.g. *.example.com`,
    ],
    [
      "host with a port",
      (d) => {
        d.spec.rules[0]!.host = "shop.example.com:443";
        return d;
      },
      `spec.rules[0].host: host "shop.example.com:443" must not contain a port; write the bare name, e.g. shop.example.com`,
    ],
    [
      "host is an IP",
      (d) => {
        d.spec.rules[0]!.host = "10.0.0.1";
        return d;
      },
      `spec.rules[0].host: host "10.0.0.1" is an IP address; Ingress hosts must be DNS names (leave host out to match any host)`,
    ],
    [
      "upper-case host",
      (d) => {
        d.spec.rules[0]!.host = "Shop.example.com";
        return d;
      },
      `spec.rules[0].host: host "Shop.example.com" is not a valid DNS name; use lower-case letters, digits, '-' and '.', optionally with one leading "*." label`,
    ],
    [
      "port with both number and name",
      (d) => {
        (d.spec.rules[0]!.http.paths[0]!.backend.service.port as Record<string, unknown>).name = "http";
        return d;
      },
      `${P}.backend.service.port: set exactly one of port.number (the Service port, 1-65535) or port.name (the Service port's name)`,
    ],
    [
      "Service name not a DNS-1035 label",
      (d) => {
        d.spec.rules[0]!.http.paths[0]!.backend.service.name = "1api";
        return d;
      },
      `${P}.backend.service.name: "1api" is not a DNS-1035 label: use lower-case letters, digits and '-', ` +
        "starting with a letter and ending with a letter or digit, e.g. my-service",
    ],
    [
      "backend with neither service nor resource",
      (d) => {
        (d.spec.rules[0]!.http.paths[0] as { backend: unknown }).backend = {};
        return d;
      },
      `${P}.backend: a backend needs exactly one of service or resource`,
    ],
    [
      "port number out of range",
      (d) => {
        d.spec.rules[0]!.http.paths[0]!.backend.service.port.number = 70000;
        return d;
      },
      `${P}.backend.service.port.number: expected a port number 1-65535`,
    ],
  ];
  for (const [what, mutate, message] of CASES) {
    it(`${what}${message ? ` -> ${message}` : " is accepted"}`, () => {
      expect(problems(mutate(base()))).to.deep.equal(message ? [message] : []);
    });
  }

  it("IngressClass needs a domain-prefixed spec.controller", () => {
    expect(problems({ metadata: { name: "nginx" }, spec: { controller: "nginx" } }, IngressClassSchema)).to.deep.equal([
      "spec.controller: expected a domain-prefixed controller name, e.g. k8s.io/ingress-nginx",
    ]);
    const ok = IngressClassSchema.parse({
      metadata: { name: "nginx", annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } },
      spec: { controller: "k8s.io/ingress-nginx" },
    });
    expect(toIngressClass(ok)).to.deep.equal({ name: "nginx", controller: "k8s.io/ingress-nginx", isDefault: true });
  });

  it("a fixture as kubectl would hold it loads, converts and routes", () => {
    const obj = IngressSchema.parse(parse(readFileSync("spec/fixtures/ingress/shop.yaml", "utf8")));
    const model = toIngress(obj, { file: "shop.yaml", line: 1, col: 1 });
    expect(model.rules[0]!.paths![0]!.backend).to.deep.equal({ kind: "service", service: "api", port: "http" });
    const r = route(
      selectIngresses([model], []).served.map((s) => s.ingress),
      { host: "shop.example.com", path: "/api/cart", scheme: "https" },
    );
    expect(r.kind === "backend" && r.rule).to.equal(
      "shop/shop-ingress: host shop.example.com path /api (Prefix) -> api:http",
    );
  });
});
