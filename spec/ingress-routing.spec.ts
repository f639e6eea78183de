// ingress-nginx routing as route() computes it. Where the Kubernetes docs' table and ingress-nginx
// disagree, the expectation follows ingress-nginx's source and says so.
import { expect } from "chai";
import type { Ingress, IngressPath, PathType } from "../lib/model/ingress.ts";
import { type RouteRequest, type RouteResult, route } from "../lib/ingress/router.ts";

function svc(name: string, port: number | string = 80) {
  return { kind: "service" as const, service: name, port };
}
function p(path: string, pathType: PathType, service = slug(path, pathType)): IngressPath {
  return { path, pathType, backend: svc(service) };
}
function slug(path: string, type: PathType): string {
  return `${type.toLowerCase()}${path.replace(/[^a-z0-9]+/g, "-")}`.replace(/-+$/, "");
}
function ing(name: string, over: Partial<Ingress> = {}): Ingress {
  return { namespace: "shop", name, annotations: {}, rules: [], tls: [], ...over };
}
function hostRule(host: string | undefined, ...paths: IngressPath[]) {
  return { ...(host !== undefined ? { host } : {}), paths };
}
function get(
  ingresses: Ingress[],
  path: string,
  host = "foo.bar.com",
  scheme: RouteRequest["scheme"] = "https",
): RouteResult {
  return route(ingresses, { host, path, scheme });
}
function backendOf(r: RouteResult): string {
  return r.kind === "backend"
    ? `${r.backend.service}`
    : r.kind === "redirect"
      ? `${r.status} ${r.location}`
      : `${r.status}`;
}

describe("ingress routing: the official path-matching table (Kubernetes docs 'Examples', every row)", () => {
  interface Row {
    kind: string;
    paths: string[];
    request: string | string[];
    match: string | null;
    nginx?: Record<string, string>;
    note?: string;
  }
  // Data copied from reference/ingress.md section 4; `nginx` holds ingress-nginx's different answer.
  const TABLE: Row[] = [
    { kind: "Prefix", paths: ["/"], request: ["/", "/anything", "/a/b/c/"], match: "/" },
    { kind: "Exact", paths: ["/foo"], request: "/foo", match: "/foo" },
    { kind: "Exact", paths: ["/foo"], request: "/bar", match: null },
    { kind: "Exact", paths: ["/foo"], request: "/foo/", match: null },
    // nginx sets auto_redirect on any proxy_pass location named "/foo/", exact ones included
    // (ngx_http_create_locations_tree), so `= /foo/` answers /foo with 301 -> /foo/.
    {
      kind: "Exact",
      paths: ["/foo/"],
      request: "/foo",
      match: null,
      nginx: { "/foo": "301 https://foo.bar.com/foo/" },
    },
    { kind: "Prefix", paths: ["/foo"], request: ["/foo", "/foo/"], match: "/foo" },
    // ingress-nginx renders Prefix /foo/ as `location /foo/` + `location = /foo/`: nothing is named
    // /foo, so nginx's auto-redirect answers 301 -> /foo/ (ingress.md marked this [unsure]).
    {
      kind: "Prefix",
      paths: ["/foo/"],
      request: ["/foo", "/foo/"],
      match: "/foo/",
      nginx: { "/foo": "301 https://foo.bar.com/foo/" },
    },
    { kind: "Prefix", paths: ["/aaa/bb"], request: "/aaa/bbb", match: null },
    { kind: "Prefix", paths: ["/aaa/bbb"], request: "/aaa/bbb", match: "/aaa/bbb" },
    {
      kind: "Prefix",
      paths: ["/aaa/bbb/"],
      request: "/aaa/bbb",
      match: "/aaa/bbb/",
      note: "ignores trailing slash",
      nginx: { "/aaa/bbb": "301 https://foo.bar.com/aaa/bbb/" },
    },
    { kind: "Prefix", paths: ["/aaa/bbb"], request: "/aaa/bbb/", match: "/aaa/bbb", note: "matches trailing slash" },
    { kind: "Prefix", paths: ["/aaa/bbb"], request: "/aaa/bbb/ccc", match: "/aaa/bbb", note: "matches subpath" },
    { kind: "Prefix", paths: ["/aaa/bbb"], request: "/aaa/bbbxyz", match: null, note: "not a string prefix" },
    { kind: "Prefix", paths: ["/", "/aaa"], request: "/aaa/ccc", match: "/aaa" },
    { kind: "Prefix", paths: ["/", "/aaa", "/aaa/bbb"], request: "/aaa/bbb", match: "/aaa/bbb" },
    { kind: "Prefix", paths: ["/", "/aaa", "/aaa/bbb"], request: "/ccc", match: "/" },
    { kind: "Prefix", paths: ["/aaa"], request: "/ccc", match: null, note: "uses default backend" },
    { kind: "Mixed", paths: ["/foo (Prefix)", "/foo (Exact)"], request: "/foo", match: "/foo (Exact)" },
  ];

  function pathsOf(row: Row): IngressPath[] {
    return row.paths.map((s) => {
      const m = /^(\S+)(?: \((\w+)\))?$/.exec(s)!;
      const type = (m[2] ?? row.kind) as PathType;
      return p(m[1]!, type);
    });
  }

  for (const row of TABLE) {
    for (const request of Array.isArray(row.request) ? row.request : [row.request]) {
      const title = `${row.kind} ${row.paths.join(", ")} + request ${request} -> ${row.nginx?.[request] ?? row.match ?? "404 (default backend)"}${row.note ? ` (${row.note})` : ""}`;
      it(title, () => {
        const r = get([ing("table", { rules: [hostRule("foo.bar.com", ...pathsOf(row))] })], request);
        const nginx = row.nginx?.[request];
        if (nginx) {
          expect(backendOf(r)).to.equal(nginx);
          return;
        }
        if (row.match === null) {
          expect(r.kind).to.equal("default-backend");
          expect(backendOf(r)).to.equal("404");
          return;
        }
        const m = /^(\S+)(?: \((\w+)\))?$/.exec(row.match)!;
        const type = (m[2] ?? row.kind) as PathType;
        expect(r.kind).to.equal("backend");
        if (r.kind !== "backend") return;
        expect([r.path, r.pathType, r.backend.service]).to.deep.equal([m[1], type, slug(m[1]!, type)]);
      });
    }
  }
});

describe("ingress routing: hosts", () => {
  const wild = ing("wild", { rules: [hostRule("*.foo.com", p("/", "Prefix", "wild"))] });
  const exact = ing("exact", { rules: [hostRule("bar.foo.com", p("/api", "Prefix", "exact-api"))] });

  for (const [header, expected] of [
    ["bar.foo.com", "wild"],
    ["baz.bar.foo.com", "404"],
    ["foo.com", "404"],
  ] as const) {
    it(`*.foo.com with Host ${header} -> ${expected} (one label only)`, () => {
      expect(backendOf(get([wild], "/", header))).to.equal(expected);
    });
  }

  it("strips the port, ignores case and one trailing dot in the Host header", () => {
    const i = [ing("a", { rules: [hostRule("shop.example.com", p("/", "Prefix", "web"))] })];
    for (const h of ["shop.example.com:8443", "SHOP.Example.COM", "shop.example.com.", "Shop.Example.com:80"]) {
      expect(backendOf(get(i, "/", h)), h).to.equal("web");
    }
    expect(backendOf(get(i, "/", "shop.example.org"))).to.equal("404");
  });

  it("an exact host wins over a wildcard, and a path miss there does not fall through to the wildcard", () => {
    expect(backendOf(get([wild, exact], "/api/x", "bar.foo.com"))).to.equal("exact-api");
    const miss = get([wild, exact], "/other", "bar.foo.com");
    expect(miss.kind).to.equal("default-backend");
    expect(miss.server).to.equal("bar.foo.com");
    expect(backendOf(get([wild, exact], "/other", "qux.foo.com"))).to.equal("wild");
  });

  it("rules without a host serve unknown hosts, IP addresses and no Host at all, but not a known host", () => {
    const any = ing("any", { rules: [hostRule(undefined, p("/", "Prefix", "anyhost"))] });
    for (const h of ["unknown.example", "10.0.0.1:80", ""])
      expect(backendOf(get([any, exact], "/x", h)), h).to.equal("anyhost");
    expect(backendOf(get([any, exact], "/x", "bar.foo.com"))).to.equal("404");
  });
});

describe("ingress routing: precedence", () => {
  it("Exact /foo beats Prefix /foo for /foo; the Prefix takes /foo/bar", () => {
    const i = [ing("a", { rules: [hostRule("foo.bar.com", p("/foo", "Prefix", "pre"), p("/foo", "Exact", "ex"))] })];
    expect(backendOf(get(i, "/foo"))).to.equal("ex");
    expect(backendOf(get(i, "/foo/bar"))).to.equal("pre");
  });

  it("Exact /foo beats Prefix /foo/ for /foo (the edge case where raw length would pick the Prefix)", () => {
    const i = [ing("a", { rules: [hostRule("foo.bar.com", p("/foo/", "Prefix", "pre"), p("/foo", "Exact", "ex"))] })];
    expect(backendOf(get(i, "/foo"))).to.equal("ex");
    expect(backendOf(get(i, "/foo/"))).to.equal("pre");
  });

  it("the longest matching prefix wins and the shorter one is listed as considered", () => {
    const i = [
      ing("a", {
        rules: [
          hostRule("foo.bar.com", p("/", "Prefix", "root"), p("/api", "Prefix", "api"), p("/api/v2", "Prefix", "v2")),
        ],
      }),
    ];
    const r = get(i, "/api/v2/users");
    expect(backendOf(r)).to.equal("v2");
    expect(
      r.considered.some((c) => c.includes("path /api (Prefix)") && c.includes("matches too, but is shorter")),
    ).to.equal(true);
    expect(backendOf(get(i, "/api/v22"))).to.equal("api");
  });

  it("ImplementationSpecific is an nginx string prefix: /foo matches /foobar", () => {
    const i = [ing("a", { rules: [hostRule("foo.bar.com", p("/foo", "ImplementationSpecific", "impl"))] })];
    expect(backendOf(get(i, "/foobar"))).to.equal("impl");
    expect(backendOf(get(i, "/fo"))).to.equal("404");
  });

  it("ImplementationSpecific / replaces the implicit default location", () => {
    const i = [ing("a", { rules: [hostRule("foo.bar.com", p("/", "ImplementationSpecific", "impl-root"))] })];
    expect(backendOf(get(i, "/anything"))).to.equal("impl-root");
  });

  it("use-regex on one Ingress turns every path of that host into a case-insensitive start-anchored regex", () => {
    const plain = ing("plain", { rules: [hostRule("foo.bar.com", p("/foo", "Exact", "ex"))] });
    const regex = ing("regex", {
      annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" },
      rules: [hostRule("foo.bar.com", p("/api/v[0-9]+", "ImplementationSpecific", "versioned"))],
    });
    const other = ing("other", { rules: [hostRule("other.com", p("/foo", "Exact", "other-ex"))] });
    const all = [plain, regex, other];
    expect(backendOf(get(all, "/FOObar"))).to.equal("ex");
    const r = get(all, "/API/v12/x");
    expect(backendOf(r)).to.equal("versioned");
    if (r.kind === "backend") expect(r.location).to.equal('~* "^/api/v[0-9]+"');
    expect(backendOf(get(all, "/FOObar", "other.com"))).to.equal("404");
  });

  it("rewrite-target rewrites the upstream path from the regex captures", () => {
    const i = [
      ing("rw", {
        annotations: { "nginx.ingress.kubernetes.io/rewrite-target": "/$2" },
        rules: [hostRule("foo.bar.com", p("/something(/|$)(.*)", "ImplementationSpecific", "rw"))],
      }),
    ];
    const r = get(i, "/something/new");
    expect(r.kind === "backend" && r.rewrittenPath).to.equal("/new");
    const bare = get(i, "/something");
    expect(bare.kind === "backend" && bare.rewrittenPath).to.equal("/");
  });

  it("strips the query and merges slashes before matching", () => {
    const i = [ing("a", { rules: [hostRule("foo.bar.com", p("/foo/bar", "Exact", "ex"))] })];
    expect(backendOf(get(i, "/foo//bar?x=1"))).to.equal("ex");
    expect(backendOf(get(i, "/foo/./bar"))).to.equal("ex");
  });
});

describe("ingress routing: several Ingresses on one host", () => {
  const older = { creationTimestamp: "2024-01-01T00:00:00Z" };
  const newer = { creationTimestamp: "2024-06-01T00:00:00Z" };

  it("merges the paths of every Ingress for the host", () => {
    const a = ing("a", { ...older, rules: [hostRule("shop.example.com", p("/api", "Prefix", "api"))] });
    const b = ing("b", { ...newer, rules: [hostRule("shop.example.com", p("/web", "Prefix", "web"))] });
    expect(backendOf(get([b, a], "/api/1", "shop.example.com"))).to.equal("api");
    expect(backendOf(get([b, a], "/web/1", "shop.example.com"))).to.equal("web");
  });

  it("same host, path and pathType: the older Ingress wins and the loser is named", () => {
    const a = ing("zzz", { ...older, rules: [hostRule("shop.example.com", p("/api", "Prefix", "old-api"))] });
    const b = ing("aaa", { ...newer, rules: [hostRule("shop.example.com", p("/api", "Prefix", "new-api"))] });
    const r = get([b, a], "/api", "shop.example.com");
    expect(r.kind === "backend" && r.ingress).to.equal("shop/zzz");
    expect(
      r.considered.some((c) =>
        c.startsWith("shop/aaa path /api (Prefix) -> new-api:80 lost: already configured by shop/zzz"),
      ),
    ).to.equal(true);
  });

  it("same age: ingress-nginx processes namespace/name in DESCENDING order, so shop/b beats shop/a", () => {
    const a = ing("a", { ...older, rules: [hostRule("shop.example.com", p("/api", "Prefix", "from-a"))] });
    const b = ing("b", { ...older, rules: [hostRule("shop.example.com", p("/api", "Prefix", "from-b"))] });
    expect(backendOf(get([a, b], "/api", "shop.example.com"))).to.equal("from-b");
    expect(backendOf(get([b, a], "/api", "shop.example.com"))).to.equal("from-b");
  });

  it("the same path with a different pathType coexists", () => {
    const a = ing("a", { ...older, rules: [hostRule("shop.example.com", p("/foo", "Exact", "exact-foo"))] });
    const b = ing("b", { ...newer, rules: [hostRule("shop.example.com", p("/foo", "Prefix", "prefix-foo"))] });
    expect(backendOf(get([a, b], "/foo", "shop.example.com"))).to.equal("exact-foo");
    expect(backendOf(get([a, b], "/foo/x", "shop.example.com"))).to.equal("prefix-foo");
  });
});

describe("ingress routing: the default-backend chain", () => {
  const own = svc("fallback");
  it("an Ingress's defaultBackend catches unmatched paths on its own hosts, not unknown hosts", () => {
    const i = [ing("a", { defaultBackend: own, rules: [hostRule("shop.example.com", p("/api", "Prefix", "api"))] })];
    const r = get(i, "/nope", "shop.example.com");
    expect(r.kind === "backend" && [r.source, r.backend.service, r.rule]).to.deep.equal([
      "default-backend",
      "fallback",
      "shop/a: defaultBackend -> fallback:80 (host shop.example.com, no path matched)",
    ]);
    expect(backendOf(get(i, "/nope", "elsewhere.example.com"))).to.equal("404");
  });

  it("a rule-less Ingress with a defaultBackend is the catch-all; of two, the older wins", () => {
    const first = ing("first", { creationTimestamp: "2024-01-01T00:00:00Z", defaultBackend: svc("first-svc") });
    const second = ing("second", { creationTimestamp: "2024-02-01T00:00:00Z", defaultBackend: svc("second-svc") });
    expect(backendOf(get([second, first], "/any", "whatever.example"))).to.equal("first-svc");
  });

  it("a host without an http block goes to its Ingress's defaultBackend", () => {
    const i = [ing("a", { defaultBackend: own, rules: [{ host: "nohttp.example.com" }] })];
    expect(backendOf(get(i, "/x", "nohttp.example.com"))).to.equal("fallback");
  });

  it("the host's default comes from the Ingress that created the host (the oldest)", () => {
    const a = ing("a", {
      creationTimestamp: "2024-01-01T00:00:00Z",
      rules: [hostRule("shop.example.com", p("/api", "Prefix", "api"))],
    });
    const b = ing("b", {
      creationTimestamp: "2024-02-01T00:00:00Z",
      defaultBackend: own,
      rules: [hostRule("shop.example.com", p("/web", "Prefix", "web"))],
    });
    const r = get([a, b], "/nope", "shop.example.com");
    expect(r.kind).to.equal("default-backend");
    expect(r.rule).to.equal("the controller's default backend (404), for host shop.example.com created by shop/a");
  });

  it("a path whose backend is a resource, not a Service, falls to the default backend", () => {
    const i = [
      ing("a", {
        rules: [
          hostRule("shop.example.com", {
            path: "/static",
            pathType: "Prefix",
            backend: { kind: "resource", resourceKind: "StorageBucket", name: "b" },
          }),
        ],
      }),
    ];
    const r = get(i, "/static/x", "shop.example.com");
    expect(r.kind).to.equal("default-backend");
    expect(r.considered.join("\n")).to.contain("names a StorageBucket, not a Service");
  });
});

describe("ingress routing: TLS and redirects", () => {
  const tlsIng = (
    annotations: Record<string, string> = {},
    tls = [{ hosts: ["shop.example.com"], secretName: "shop-tls" }],
  ) =>
    ing("shop-ingress", {
      annotations,
      tls,
      rules: [hostRule("shop.example.com", p("/api", "Prefix", "api"), p("/", "Prefix", "web"))],
    });

  it("http to a host with a certificate -> 308 to https, trailing slash dropped", () => {
    const r = get([tlsIng()], "/api/", "shop.example.com:80", "http");
    expect(r.kind === "redirect" && [r.status, r.location, r.ingress]).to.deep.equal([
      308,
      "https://shop.example.com/api",
      "shop/shop-ingress",
    ]);
    expect(r.reason).to.contain("secret shop-tls");
    expect(backendOf(get([tlsIng()], "/", "shop.example.com", "http"))).to.equal("308 https://shop.example.com");
  });

  it("https to the same host reaches the backend", () => {
    expect(backendOf(get([tlsIng()], "/api/", "shop.example.com", "https"))).to.equal("api");
  });

  it('ssl-redirect: "false" serves plain HTTP', () => {
    expect(
      backendOf(
        get([tlsIng({ "nginx.ingress.kubernetes.io/ssl-redirect": "false" })], "/api", "shop.example.com", "http"),
      ),
    ).to.equal("api");
  });

  it('preserve-trailing-slash: "true" keeps the slash and the query is kept', () => {
    expect(
      backendOf(
        get(
          [tlsIng({ "nginx.ingress.kubernetes.io/preserve-trailing-slash": "true" })],
          "/api/?a=1",
          "shop.example.com",
          "http",
        ),
      ),
    ).to.equal("308 https://shop.example.com/api/?a=1");
  });

  it('force-ssl-redirect: "true" redirects without any certificate', () => {
    const i = [
      ing("f", {
        annotations: { "nginx.ingress.kubernetes.io/force-ssl-redirect": "true" },
        rules: [hostRule("plain.example.com", p("/", "Prefix", "web"))],
      }),
    ];
    expect(backendOf(get(i, "/x", "plain.example.com", "http"))).to.equal("308 https://plain.example.com/x");
    expect(
      backendOf(
        get(
          [ing("n", { rules: [hostRule("plain.example.com", p("/", "Prefix", "web"))] })],
          "/x",
          "plain.example.com",
          "http",
        ),
      ),
    ).to.equal("web");
  });

  it("a tls section that does not list the host still redirects it (ingress-nginx gives it the default certificate)", () => {
    const r = get(
      [tlsIng({}, [{ hosts: ["other.example.com"], secretName: "x" }])],
      "/api",
      "shop.example.com",
      "http",
    );
    expect(r.kind).to.equal("redirect");
    expect(r.reason).to.contain("does not list shop.example.com");
  });

  it("a wildcard tls entry gives a host one label under it its Secret (extractTLSSecretName by the certificate's name)", () => {
    const wild = (host: string) =>
      ing("wild", {
        tls: [{ hosts: ["*.wild.example.com"], secretName: "wild-tls" }],
        rules: [hostRule(host, p("/", "Prefix", "web"))],
      });
    const one = get([wild("a.wild.example.com")], "/x", "a.wild.example.com", "http");
    expect(one.kind).to.equal("redirect");
    expect(one.reason).to.contain("*.wild.example.com (secret wild-tls) covers a.wild.example.com");
    // Two labels under it: Go's VerifyHostname refuses, so the host gets the default certificate.
    const two = get([wild("x.y.wild.example.com")], "/x", "x.y.wild.example.com", "http");
    expect(two.reason).to.contain("does not list x.y.wild.example.com");
  });

  it("rules without a host are never redirected for TLS, and ACME challenges are exempt", () => {
    const any = ing("any", {
      tls: [{ hosts: ["shop.example.com"], secretName: "s" }],
      rules: [hostRule(undefined, p("/", "Prefix", "anyhost"))],
    });
    expect(backendOf(get([any], "/x", "1.2.3.4", "http"))).to.equal("anyhost");
    const acme = ing("acme", {
      tls: [{ hosts: ["shop.example.com"], secretName: "s" }],
      rules: [hostRule("shop.example.com", p("/.well-known/acme-challenge", "Prefix", "solver"))],
    });
    expect(backendOf(get([acme], "/.well-known/acme-challenge/tok", "shop.example.com", "http"))).to.equal("solver");
  });

  it("reports service-upstream", () => {
    const i = [
      ing("su", {
        annotations: { "nginx.ingress.kubernetes.io/service-upstream": "true" },
        rules: [hostRule("shop.example.com", p("/", "Prefix", "web"))],
      }),
    ];
    const r = get(i, "/", "shop.example.com");
    expect(r.kind === "backend" && r.serviceUpstream).to.equal(true);
    const plain = get(
      [ing("x", { rules: [hostRule("shop.example.com", p("/", "Prefix", "web"))] })],
      "/",
      "shop.example.com",
    );
    expect(plain.kind === "backend" && plain.serviceUpstream).to.equal(false);
  });
});
