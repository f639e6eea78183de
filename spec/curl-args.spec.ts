// curl's argument syntax as `kubehop curl` reads it: bundles, attached values, `--`, a pasted line's
// own `curl`, the letters kubehop and curl both use, and the errors a typo gets.
import { expect } from "chai";
import { commandLine, type Given, inertFlags, splitCurlArgs } from "../lib/cli/curl-args.ts";

const TOPO = "topologies/default.yaml";
const exists = (path: string) => path === TOPO || path === "topologies";
const split = (...argv: string[]) => splitCurlArgs(argv, exists);
const names = (given: readonly Given[]) => given.map((g) => (g.value === undefined ? g.name : `${g.name}=${g.value}`));
const line = (...argv: string[]) => commandLine(split(...argv));

describe("curl's argument syntax", () => {
  it("unbundles short flags: -sSL is -s -S -L, -sv is -s -v", () => {
    expect(names(split("-sSL", "-sv").given)).to.deep.equal(["silent", "show-error", "location", "silent", "verbose"]);
  });

  it("takes a value attached or as the next word, for short and long flags alike", () => {
    const { given, urls } = split(
      "-XPOST",
      "-X",
      "PUT",
      "-HAccept:x",
      "-H",
      "X-A: 1",
      "--data=a=b",
      "--data",
      "c",
      "-sdq=1",
      "https://x/",
    );
    expect(names(given)).to.deep.equal([
      "request=POST",
      "request=PUT",
      "header=Accept:x",
      "header=X-A: 1",
      "data=a=b",
      "data=c",
      "silent",
      "data=q=1",
    ]);
    expect(urls).to.deep.equal(["https://x/"]);
  });

  it("ends the flags at --, takes the URL anywhere, and drops a pasted line's own leading curl", () => {
    expect(split("-t", TOPO, "--", "-v").urls).to.deep.equal(["-v"]);
    expect(split("https://x/", "-t", TOPO).urls).to.deep.equal(["https://x/"]);
    expect(split("curl", "-s", "https://x/").urls).to.deep.equal(["https://x/"]);
    expect(split("-t", TOPO, "curl", "https://x/").urls).to.deep.equal(["https://x/"]);
    // Only the first: a second `curl` is a word the user typed, so it is reported as a second URL.
    expect(() => line("curl", "-t", TOPO, "https://x/", "curl")).to.throw("one URL at a time (got https://x/, curl)");
  });

  describe("-f: the topology or curl's --fail", () => {
    it("is the topology when an existing file or folder follows and none was given yet", () => {
      expect(line("-f", TOPO, "https://x/")).to.include({ topology: TOPO, fail: false });
      expect(line("-f", "topologies", "https://x/")).to.include({ topology: "topologies", fail: false });
    });

    it("is --fail before a URL, in a bundle, or once the topology is given", () => {
      expect(line("-t", TOPO, "-f", "https://x/")).to.include({ topology: TOPO, url: "https://x/", fail: true });
      expect(line("-fsS", "-f", TOPO, "https://x/")).to.include({ topology: TOPO, fail: true });
      expect(line("-f", TOPO, "-f", "https://x/")).to.include({ topology: TOPO, fail: true });
    });

    it("a missing file that looks like a topology is an error, not a URL", () => {
      expect(() => split("-f", "nope.yaml", "https://x/")).to.throw(
        "-f nope.yaml: no such file or folder (the topology)",
      );
    });
  });

  it("reads -n as kubehop's namespace, not curl's --netrc", () => {
    expect(line("-n", "shop", "-t", TOPO, "https://x/")).to.include({ namespace: "shop" });
  });

  it("-o names an output format when it is one, else curl's output file (listed as no effect)", () => {
    expect(line("-t", TOPO, "-o", "json", "https://x/")).to.include({ format: "json", verbose: false });
    expect(line("-t", TOPO, "-o", "wide", "https://x/")).to.include({ format: "text", verbose: true });
    const file = split("-t", TOPO, "-o", "page.html", "https://x/");
    expect(commandLine(file).format).to.equal("text");
    expect(inertFlags(file.given)).to.deep.equal(["-o page.html"]);
    expect(() => line("-t", TOPO, "-o", "json", "--format", "mermaid", "https://x/")).to.throw(
      "give one output format (got json, mermaid)",
    );
  });

  it("--json is the output format alone and curl's --json before data", () => {
    expect(line("-t", TOPO, "--json", "https://x/")).to.include({ format: "json", url: "https://x/" });
    expect(names(split("--json", '{"a":1}', "--json=[2]", "--json", "@body.json").given)).to.deep.equal([
      'json={"a":1}',
      "json=[2]",
      "json=@body.json",
    ]);
    expect(line("-t", TOPO, "--json", '{"a":1}', "https://x/").format).to.equal("text");
  });

  it("lists the flags with no effect on the path as spelled, once each, in order", () => {
    const { given } = split("-sS", "--max-time", "5", "--compressed", "-m3", "-s", "-L", "-4", "-6");
    expect(inertFlags(given)).to.deep.equal([
      "-s",
      "-S",
      "--max-time 5",
      "--compressed",
      "-m 3",
      "-4",
      "-6 (kubehop models IPv4: traced over IPv4)",
    ]);
  });

  describe("errors", () => {
    for (const [argv, message] of [
      [["--fial"], 'unknown flag --fial (did you mean "--fail" or "--file"?); see --help'],
      [["--data-urlencod=x"], 'unknown flag --data-urlencod (did you mean "--data-urlencode"?); see --help'],
      [["-l"], 'unknown flag -l (did you mean "-L"?); see --help'],
      [["-sZ"], "unknown flag -Z; see --help"],
      [["-X"], "-X needs a value (METHOD)"],
      [["--silent=yes"], "--silent takes no value"],
      [["-x", "http://proxy:3128"], "-x: a forward proxy is not modelled"],
      [["--http3"], "--http3: HTTP/3 runs over QUIC"],
    ] as const) {
      it(`${argv.join(" ")}: ${message}`, () => {
        expect(() => split(...argv)).to.throw(message);
      });
    }

    it("a missing topology or URL, two URLs, or two ways of picking branches", () => {
      expect(() => line("https://x/")).to.throw("missing the topology: -f TOPO");
      expect(() => line("-t", TOPO)).to.throw("missing URL");
      expect(() => line("-t", TOPO, "--url", "https://x/", "https://y/")).to.throw(
        "one URL at a time (got https://y/, https://x/)",
      );
      expect(() => line("-t", TOPO, "https://x/", "--all", "--branch", "1")).to.throw(
        "give at most one of --all, --branch K, --seed N",
      );
      expect(() => line("-t", TOPO, "-t", "other.yaml", "https://x/")).to.throw(
        `give the topology once (got ${TOPO}, other.yaml)`,
      );
    });
  });
});
