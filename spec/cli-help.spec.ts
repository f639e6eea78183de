// The command line as a new user meets it: help for every command, its examples really running, the
// version, did-you-mean, completion scripts, and the flags other tools taught them.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { COMMANDS } from "../lib/cli/commands.ts";
import { optionsOf } from "../lib/cli/parse.ts";
import { runCli, shellWords } from "./support/cli.ts";

const T = "topologies/default.yaml";
const VERSION = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
/**
 * Examples that need root and network namespaces, or a shell, or the user's own files (migrate's
 * Ingress world and its conversion): their flags are checked, not run.
 */
const NOT_RUN = new Set(["emulate", "verify", "migrate"]);

describe("kubehop help", () => {
  it("--help lists every command with its summary, exit 0; no command at all is exit 2 with the same list", async () => {
    const help = await runCli(["--help"], { columns: 1000 });
    expect(help.code).to.equal(0);
    for (const [name, spec] of Object.entries(COMMANDS))
      expect(help.stdout).to.contain(`  ${name}`).and.to.contain(spec.summary);
    const none = await runCli([], { columns: 1000 });
    expect(none.code).to.equal(2);
    expect(none.stderr).to.equal(help.stdout);
  });

  it("--version prints package.json's version", async () => {
    for (const flag of ["--version", "version"])
      expect(await runCli([flag])).to.deep.equal({ code: 0, stdout: `kubehop ${VERSION}\n`, stderr: "" });
  });

  for (const [name, spec] of Object.entries(COMMANDS)) {
    describe(name, () => {
      it("--help, -h and `help CMD` print the summary, usage, every flag and examples", async () => {
        // Wide enough that no help text is wrapped, so each can be found whole.
        const long = await runCli([name, "--help"], { columns: 1000 });
        expect(long.code).to.equal(0);
        expect(long.stdout)
          .to.contain(`kubehop ${name}: ${spec.summary}`)
          .and.to.contain(`usage: kubehop ${name} ${spec.usage}`);
        for (const [flag, o] of Object.entries(optionsOf(spec))) {
          if (flag === "topology") continue; // shown as -t on the -f/--file line
          expect(long.stdout, `--${flag}`).to.contain(`--${flag}`).and.to.contain(o.help);
          if (o.short) expect(long.stdout, `-${o.short}`).to.contain(`-${o.short}`);
        }
        expect(spec.examples.length).to.be.within(1, 3);
        for (const e of spec.examples) expect(long.stdout).to.contain(`  ${e}\n`);
        expect(await runCli([name, "-h"], { columns: 1000 })).to.deep.equal(long);
        expect(await runCli(["help", name], { columns: 1000 })).to.deep.equal(long);
      });

      it("--help fits a 60-column terminal (the examples stay whole, to be copied)", async () => {
        const { stdout } = await runCli([name, "--help"], { columns: 60 });
        const over = stdout.split("\n").filter((l) => l.length > 60 && !spec.examples.includes(l.trim()));
        expect(over).to.deep.equal([]);
      });

      it("every example is a command line kubehop accepts", async () => {
        for (const example of spec.examples) {
          const words = shellWords(example.replace(/ > .*$/, ""));
          expect(words[0]).to.equal("kubehop");
          expect(words[1]).to.equal(name);
          if (NOT_RUN.has(name)) continue;
          const dir = mkdtempSync(join(tmpdir(), "kubehop-example-"));
          try {
            // Files the examples write land in a scratch folder, never in the checkout.
            const argv = words
              .slice(1)
              .map((w, i, all) => (["-o", "--junit"].includes(all[i - 1]!) && /\.\w+$/.test(w) ? join(dir, w) : w));
            const r = await runCli(argv);
            expect(r.code, `${example}\n${r.stderr}`).to.be.oneOf([0, 1]);
            expect(r.stderr, example).not.to.match(/unknown|usage:/);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        }
      });
    });
  }
});

describe("kubehop did-you-mean", () => {
  it("an unknown command names the nearest ones, exit 2", async () => {
    const r = await runCli(["trce", "-f", T]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal('kubehop: unknown command "trce" (did you mean "trace"?); see kubehop --help\n');
    expect((await runCli(["help", "dif"])).stderr).to.contain('(did you mean "diff"?)');
  });

  it("an unknown flag names the nearest flag of that command, with the usage line", async () => {
    const r = await runCli(["trace", "-f", T, "--frm", "pod/shop/db-0", "--to", "svc/shop/api"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('kubehop trace: unknown flag --frm (did you mean "--from"?)');
    expect(r.stderr).to.contain(`usage: kubehop trace ${COMMANDS.trace!.usage}`);
    const far = await runCli(["validate", "-f", T, "--zzzzzz"]);
    expect(far.stderr).to.contain("unknown flag --zzzzzz; see --help").and.not.to.contain("did you mean");
  });

  it("a flag missing its value says which value", async () => {
    const r = await runCli(["trace", "-f", T, "--from"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("--from needs a value (LOC)");
  });
});

describe("kubehop flags from other tools", () => {
  it("-f, --file and -t all name the topology; giving two is an error", async () => {
    const [f, file, t] = await Promise.all([
      runCli(["validate", "-f", T]),
      runCli(["validate", "--file", T]),
      runCli(["validate", "-t", T]),
    ]);
    expect(f.code).to.equal(0);
    expect(file).to.deep.equal(f);
    expect(t).to.deep.equal(f);
    const both = await runCli(["validate", "-f", T, "-t", T]);
    expect(both.code).to.equal(2);
    expect(both.stderr).to.contain("give the topology once");
    const none = await runCli(["validate"]);
    expect(none.stderr).to.contain("missing the topology: -f TOPO");
    const bare = await runCli(["validate", T]);
    expect(bare.stderr).to.contain(`unexpected argument "${T}"; give a topology with -f ${T}`);
  });

  it("iptables-save's -t nat is explained, and --table nat prints only the nat table", async () => {
    const wrong = await runCli(["iptables-save", "-f", T, "--node", "node-1", "-t", "nat"]);
    expect(wrong.code).to.equal(2);
    expect(wrong.stderr).to.contain(
      "-t nat: here -t names the topology file (-t/-f TOPO); iptables' -t TABLE is spelled --table nat",
    );
    const all = await runCli(["iptables-save", "-f", T, "--node", "node-1"]);
    const nat = await runCli(["iptables-save", "-f", T, "--node", "node-1", "--table", "nat"]);
    expect(nat.code).to.equal(0);
    expect(nat.stdout).to.match(/^# .*\n\*nat\n/);
    expect(nat.stdout).to.contain("-A KUBE-SERVICES").and.not.to.contain("*filter");
    expect(all.stdout).to.contain(nat.stdout);
    const mangle = await runCli(["iptables-save", "-f", T, "--node", "node-1", "--table", "mangle"]);
    expect(mangle.code).to.equal(2);
    expect(mangle.stderr).to.contain("kubehop writes the nat and filter tables");
  });

  it("-o json, --json and --format json are one output; -o yaml is the same object in YAML", async () => {
    const args = ["trace", "-f", T, "--from", "pod/shop/db-0", "--to", "svc/shop/api:80", "--branch", "1"];
    const json = await runCli([...args, "-o", "json"]);
    expect(json.code).to.equal(0);
    expect(await runCli([...args, "--json"])).to.deep.equal(json);
    expect(await runCli([...args, "--format", "json"])).to.deep.equal(json);
    const yaml = await runCli([...args, "-o", "yaml"]);
    const { parse } = await import("yaml");
    expect(parse(yaml.stdout)).to.deep.equal(JSON.parse(json.stdout));
    const clash = await runCli([...args, "-o", "yaml", "--json"]);
    expect(clash.code).to.equal(2);
    expect(clash.stderr).to.contain("give one output format (got yaml, json)");
    const bad = await runCli([...args, "-o", "dot"]);
    expect(bad.stderr).to.contain("-o dot: expected text, wide, json, yaml, mermaid");
    const wide = await runCli([...args, "-o", "wide"]);
    expect(wide).to.deep.equal(await runCli([...args, "--verbose"]));
  });

  it("commands that write a file say which file they wrote", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubehop-wrote-"));
    try {
      const svg = join(dir, "cluster.svg");
      const r = await runCli(["diagram", "-f", T, "-o", svg]);
      expect(r).to.deep.include({ code: 0, stdout: "", stderr: `wrote ${svg}\n` });
      expect(readFileSync(svg, "utf8")).to.contain("<svg");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("kubehop completion", () => {
  it("bash: valid syntax, every command and each command's flags, for kubehop and kubectl-kubehop", async () => {
    const r = await runCli(["completion", "bash"]);
    expect(r.code).to.equal(0);
    execFileSync("bash", ["-n"], { input: r.stdout });
    for (const name of Object.keys(COMMANDS)) expect(r.stdout).to.contain(name);
    expect(r.stdout).to.match(/ {4}trace\) opts="[^"]*--from[^"]*"/);
    expect(r.stdout).to.contain("complete -o filenames -F _kubehop kubehop kubectl-kubehop");
    // The function really completes: `kubehop tr<TAB>` and `kubehop trace --fr<TAB>`.
    const complete = (words: string) =>
      execFileSync(
        "bash",
        [
          "-c",
          `${r.stdout}\nCOMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _kubehop; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: "utf8" },
      ).trim();
    expect(complete("kubehop tr")).to.equal("trace");
    expect(complete("kubehop trace --fr")).to.equal("--from");
  });

  it("zsh loads the bash function through bashcompinit; fish lists commands and flags with their help", async () => {
    const zsh = await runCli(["completion", "zsh"]);
    expect(zsh.stdout).to.match(/^#compdef kubehop\nautoload -U \+X bashcompinit && bashcompinit\n/);
    const fish = await runCli(["completion", "fish"]);
    expect(fish.stdout).to.contain("complete -c kubehop -f -n __fish_use_subcommand -a trace -d 'follow one packet");
    expect(fish.stdout).to.contain(
      "complete -c kubehop -n '__fish_seen_subcommand_from trace' -l from -r -d 'where it starts",
    );
    const bad = await runCli(["completion", "bsh"]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('unknown shell "bsh" (did you mean "bash"');
  });
});
