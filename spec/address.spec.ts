// parseIpv4 reads plain dotted decimal itself and leaves every other text to ip-num: on any text,
// the answer must be ip-num's own.
import { expect } from "chai";
import { IPv4, Validator } from "ip-num";
import { parseIpv4 } from "../lib/model/address.ts";
import { checkProperty, fc } from "./support/random.ts";

function ipNum(text: string): number | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text) || !Validator.isValidIPv4String(text)[0]) return undefined;
  return Number(IPv4.fromDecimalDottedString(text).getValue());
}

describe("parseIpv4", () => {
  it("agrees with ip-num on the edges: leading zeros, 255/256, short and long forms, non-ASCII digits", () => {
    const cases = [
      "0.0.0.0",
      "255.255.255.255",
      "256.1.1.1",
      "010.1.1.1",
      "1.2.3.04",
      "00.1.1.1",
      "1.2.3",
      "1..2.3",
      "1.2.3.4.5",
      " 1.2.3.4",
      "1.2.3.4\n",
      "１.2.3.4",
      "199.200.249.250",
    ];
    for (const t of cases) expect(parseIpv4(t), t).to.equal(ipNum(t));
    expect(parseIpv4("10.244.1.5")).to.equal(((10 << 24) | (244 << 16) | (1 << 8) | 5) >>> 0);
  });

  it("agrees with ip-num on 5,000 random dotted strings (seeded)", () => {
    const part = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.stringMatching(/^[0-9]{1,4}$/));
    checkProperty(
      fc.property(fc.tuple(part, part, part, part), (parts) => {
        const text = parts.join(".");
        expect(parseIpv4(text), text).to.equal(ipNum(text));
      }),
      11,
      5000,
    );
  });
});
