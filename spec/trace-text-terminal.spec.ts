// The terminal helpers under the trace text: widths as they show on screen, cuts that say so, wraps
// that keep words whole, and lines whose fields give way in the order asked.
import { expect } from "chai";
import { fitLine, hang } from "../lib/output/fit.ts";
import { cutEnd, cutMiddle, paint, safe, visibleWidth, width, wrap } from "../lib/output/terminal.ts";

describe("trace text: terminal helpers", () => {
  it("measures what shows: wide characters take two columns, combining marks and colour codes none", () => {
    expect(width("node-1")).to.equal(6);
    expect(width("节点")).to.equal(4);
    expect(width("e\u0301")).to.equal(1);
    // Either side of U+0300, where the one-column shortcut for lower code points ends.
    expect(width("Zürich\u02ff")).to.equal(7);
    expect(width("\u0300\u0483\u0488")).to.equal(0);
    expect(visibleWidth(paint("node-1", "strong", true))).to.equal(6);
  });

  it("cuts with an ellipsis at the end, or in the middle to keep a name's end", () => {
    expect(cutEnd("through the internet", 10)).to.equal("through t…");
    expect(cutEnd("short", 10)).to.equal("short");
    expect(cutMiddle("pod/ingress-nginx/ingress-nginx-controller-svqqshm2zs-x5j98", 21)).to.equal(
      "pod/ingres…m2zs-x5j98",
    );
    expect(width(cutMiddle("节点节点节点", 7))).to.be.at.most(7);
  });

  it("wraps at spaces, splitting only a word longer than a line", () => {
    expect(wrap("filter INPUT > KUBE-EXTERNAL-SERVICES: DROP", 20)).to.deep.equal([
      "filter INPUT >",
      "KUBE-EXTERNAL-SERVIC",
      "ES: DROP",
    ]);
    expect(wrap("a b c", 10, 3)).to.deep.equal(["a b c"]);
    expect(wrap("aaa bbb ccc", 4, 3)).to.deep.equal(["aaa", "bbb", "ccc"]);
  });

  it("escapes control characters, escape sequences and bidi overrides", () => {
    expect(safe("web\x1b[31m\r\n\u202e")).to.equal("web\\x1b[31m\\x0d\\x0a\\u202e");
    expect(safe("pod/shop/web-0")).to.equal("pod/shop/web-0");
  });

  it("a line of fields gives way in the order asked, each to its floor, then from the end", () => {
    const fields = [
      { text: "  1" },
      { text: "node-1/wg0", pad: 12 },
      { text: "ENCRYPTED" },
      { text: "peer chosen by longest match" },
    ];
    expect(fitLine(fields, [{ field: 3, floor: 0 }], 200, false)).to.equal(
      "  1  node-1/wg0    ENCRYPTED  peer chosen by longest match",
    );
    expect(fitLine(fields, [{ field: 3, floor: 0 }], 40, false)).to.equal("  1  node-1/wg0    ENCRYPTED  peer chos…");
    // Too little room for a readable piece of the reason: it goes, with its gap.
    expect(fitLine(fields, [{ field: 3, floor: 0 }], 33, false)).to.equal("  1  node-1/wg0    ENCRYPTED");
    expect(
      fitLine(
        fields,
        [
          { field: 3, floor: 0 },
          { field: 1, floor: 6 },
        ],
        24,
        false,
      ),
    ).to.equal("  1  node-1/…  ENCRYPTED");
  });

  it("a hanging paragraph keeps kept pieces whole on a line of their own and lets prose flow", () => {
    const out = hang(
      "  6  ",
      [{ text: "DNAT to 10.244.1.5:443 (rule 2)" }, { text: "[-A KUBE-SEP-X -j DNAT]", keep: true }],
      5,
      40,
      false,
    );
    expect(out).to.deep.equal(["  6  DNAT to 10.244.1.5:443 (rule 2)", "     [-A KUBE-SEP-X -j DNAT]"]);
    expect(hang("x ", [{ text: "one two three four five six" }], 2, 20, false)).to.deep.equal([
      "x one two three four",
      "  five six",
    ]);
  });
});
