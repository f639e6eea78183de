// The request curl would send for the flags given: method, the headers curl sets itself, the body's
// size, -G's query; what depends on a file kubehop does not read is said, never guessed.
import { expect } from "chai";
import { splitCurlArgs } from "../lib/cli/curl-args.ts";
import { curlRequest } from "../lib/cli/curl-request.ts";

const URL = "https://shop.example.com/api/cart";
const request = (...argv: string[]) => curlRequest(URL, splitCurlArgs(argv, () => false).given);

describe("the request curl would send", () => {
  it("-d is a form POST with the body's size; several -d are joined with &", () => {
    expect(request("-d", "a=1", "--data-ascii", "b=2")).to.deep.equal({
      url: URL,
      method: "POST",
      unread: [],
      headers: ["Content-Type: application/x-www-form-urlencoded", "Content-Length: 7"],
    });
  });

  it("a -H of the same name comes after curl's own header, so it wins when read in order", () => {
    expect(request("-d", '{"a":1}', "-H", "Content-Type: application/json").headers).to.deep.equal([
      "Content-Type: application/x-www-form-urlencoded",
      "Content-Length: 7",
      "Content-Type: application/json",
    ]);
  });

  it("counts bytes, not characters, and an empty -d is a POST of 0 bytes", () => {
    expect(request("--data-raw", "é=€").headers).to.include("Content-Length: 6");
    expect(request("-d", "")).to.deep.include({
      method: "POST",
      headers: ["Content-Type: application/x-www-form-urlencoded", "Content-Length: 0"],
    });
  });

  it("--json sets both JSON headers and concatenates its pieces", () => {
    expect(request("--json", '{"a":', "--json=1}")).to.deep.include({
      method: "POST",
      headers: ["Content-Type: application/json", "Accept: application/json", "Content-Length: 7"],
    });
  });

  it("--data-urlencode escapes the content as curl does, leaving the name as given", () => {
    expect(
      request("-G", "--data-urlencode", "q=a b&c!", "--data-urlencode", "=x/y", "--data-urlencode", "z~").url,
    ).to.equal(`${URL}?q=a%20b%26c%21&x%2Fy&z~`);
  });

  it("-G sends the data in the query string with GET, after any query the URL has", () => {
    expect(curlRequest("https://x/p?a=1#top", splitCurlArgs(["-G", "-d", "b=2"], () => false).given)).to.deep.equal({
      url: "https://x/p?a=1&b=2#top",
      headers: [],
      unread: [],
    });
    expect(request("-G", "-I", "-d", "b=2")).to.deep.include({ url: `${URL}?b=2`, method: "HEAD" });
  });

  it("-X names the method whatever the data implies; -I alone is HEAD", () => {
    expect(request("-X", "PUT", "-d", "a").method).to.equal("PUT");
    expect(request("-I")).to.deep.equal({ url: URL, method: "HEAD", headers: [], unread: [] });
  });

  it("-A, -e and -b set their headers; -u's credentials are never in the request", () => {
    const r = request(
      "-A",
      "probe/1",
      "-e",
      "https://from.example.com/;auto",
      "-b",
      "a=1",
      "-b",
      "b=2",
      "-u",
      "user:secret",
    );
    expect(r.headers).to.deep.equal([
      "User-Agent: probe/1",
      "Authorization: Basic <redacted>",
      "Referer: https://from.example.com/",
      "Cookie: a=1; b=2",
    ]);
    expect(JSON.stringify(r)).not.to.contain("secret");
  });

  it("a body or cookies from a file are not read: no Content-Length, and the reason", () => {
    expect(
      request("-d", "a=1", "--data-binary", "@body.bin", "-b", "jar.txt", "--data-urlencode", "n@-"),
    ).to.deep.equal({
      url: URL,
      method: "POST",
      headers: ["Content-Type: application/x-www-form-urlencoded"],
      unread: [
        "--data-binary @body.bin: the file body.bin is not read, so the body's size is unknown",
        "--data-urlencode n@-: standard input is not read, so the body's size is unknown",
        "-b jar.txt: cookies from a file are not read",
      ],
    });
    expect(request("--data-raw", "@literal").headers).to.include("Content-Length: 8");
  });

  it("-F is a multipart POST whose size is not computed", () => {
    expect(request("-F", "f=1")).to.deep.equal({
      url: URL,
      method: "POST",
      headers: ["Content-Type: multipart/form-data"],
      unread: ["-F: the multipart body's size is not computed (curl picks a random boundary)"],
    });
  });

  it("a URL without a scheme is http://, as curl takes it", () => {
    expect(curlRequest("shop.example.com/api", []).url).to.equal("http://shop.example.com/api");
    expect(curlRequest("10.96.0.10:8080", []).url).to.equal("http://10.96.0.10:8080");
    expect(curlRequest("not a url", []).url).to.equal("not a url");
  });

  for (const [argv, message] of [
    [["-I", "-d", "a"], "-I (HEAD) and -d/-F both set the method"],
    [["-d", "a", "-F", "b=1"], "-F and -d both make the body"],
    [["-G", "-d", "@q.txt"], "-G with a @FILE: kubehop does not read files"],
  ] as const) {
    it(`${argv.join(" ")} is refused, as curl refuses it`, () => {
      expect(() => request(...argv)).to.throw(message);
    });
  }
});
