// The snapshot's encoding of plain data: what goes in comes out, shared objects stay shared, and
// anything it cannot rebuild exactly is refused rather than changed.
import { expect } from "chai";
import { pack, Unpackable, unpack } from "../lib/snapshot/pack.ts";
import { checkProperty, fc } from "./support/random.ts";

const roundTrip = (v: unknown) => unpack(pack(v));

describe("snapshot encoding", () => {
  it("keeps numbers, strings, undefined members, key order, Maps and Sets exactly", () => {
    const v = {
      z: 1,
      a: [0, -0, -1, 0.5, 2 ** 32 - 1, 2 ** 32, Number.NaN, Number.POSITIVE_INFINITY, -1e300],
      "10": "integer-like keys come first, as in the original",
      "2": "",
      missing: undefined,
      nothing: null,
      yes: true,
      no: false,
      text: "naïve ☃ 𝄞 \u2028",
      map: new Map<unknown, unknown>([
        [3232235777, { ip: "192.168.1.1" }],
        ["k", [1]],
      ]),
      set: new Set(["a", 1, null]),
    };
    const back = roundTrip(v) as typeof v;
    expect(back).to.deep.equal(v);
    expect(Object.keys(back)).to.deep.equal(Object.keys(v));
    expect(Object.is(back.a[1], -0)).to.equal(true);
    expect("missing" in back).to.equal(true);
  });

  it("an object met twice is one object after, as in a workload's replicas sharing an origin", () => {
    const origin = { file: "f.yaml", line: 3, col: 1 };
    const labels = { app: "web" };
    const pods = [1, 2, 3].map((i) => ({ name: `web-${i}`, origin, labels }));
    const back = roundTrip({ pods, byName: new Map(pods.map((p) => [p.name, p])) }) as {
      pods: typeof pods;
      byName: Map<string, (typeof pods)[0]>;
    };
    expect(back.pods[0]!.origin).to.equal(back.pods[2]!.origin);
    expect(back.pods[1]!.labels).to.equal(back.pods[0]!.labels);
    expect(back.byName.get("web-2")).to.equal(back.pods[1]);
  });

  it("refuses what it cannot rebuild: class instances, functions, symbols, cycles, an own __proto__ key", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    const bad: unknown[] = [
      new Date(0),
      { f: () => 1 },
      [Symbol("s")],
      cyclic,
      JSON.parse('{"__proto__": {"x": 1}}'),
      Object.create(null),
      { [Symbol("k")]: 1 },
      10n,
    ];
    bad.forEach((v, i) => {
      expect(() => pack(v), `case ${i}`).to.throw(Unpackable);
    });
  });

  it("any JSON value comes back deep-equal (or is refused for an own __proto__ key)", () => {
    const hasProtoKey = (v: unknown): boolean =>
      typeof v === "object" &&
      v !== null &&
      (Object.keys(v).includes("__proto__") || Object.values(v).some(hasProtoKey));
    checkProperty(
      fc.property(fc.jsonValue(), (v) => {
        if (hasProtoKey(v)) expect(() => pack(v)).to.throw(Unpackable);
        else expect(roundTrip(v)).to.deep.equal(v);
      }),
      11,
      300,
    );
  });
});
