// kubehop's command line: thin wiring from arguments to the library; exit 0 ok, 1 failed, 2 bad input.
import { InputError } from "../input/errors.ts";
import { OutputError } from "../output/files.ts";
import { RequestError } from "../trace/request.ts";
import { type CommandIO, EXIT, UsageError } from "./io.ts";
import { checkCommand } from "./check-command.ts";
import { curlCommand } from "./curl-command.ts";
import { collectCommand } from "./collect-command.ts"; import { driftCommand } from "./drift-command.ts";
import { diagramCommand } from "./diagram-command.ts";
import { emulateCommand } from "./emulate-command.ts"; import { verifyCommand } from "./verify-command.ts";
import { diffCommand } from "./diff-command.ts";
import { generateCommand } from "./generate-command.ts";
import { iptablesSaveRun } from "./iptables-save-command.ts";
import { netfilterCommand } from "./netfilter-command.ts";
import { reportCommand } from "./report-command.ts";
import { traceCommand } from "./trace-command.ts";
import { validateCommand } from "./validate-command.ts";

type Command = (argv: string[], io: CommandIO) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  trace: traceCommand,
  curl: curlCommand,
  validate: validateCommand,
  check: checkCommand,
  diff: diffCommand,
  netfilter: netfilterCommand,
  "iptables-save": iptablesSaveRun,
  generate: generateCommand,
  emulate: emulateCommand, verify: verifyCommand,
  diagram: diagramCommand,
  report: reportCommand,
  drift: driftCommand, collect: collectCommand,
};

const USAGE = `usage: kubehop COMMAND [options]

  trace     -t TOPO --from LOC --to DEST [--proto tcp|udp|icmp] [--src IP] [--sport N] [--size BYTES]
            [--all|--branch K|--seed N] [--json|--format text|json|mermaid] [--svg FILE]
  curl      -t TOPO [--from LOC] [-H 'Header: v'] [-X METHOD] [--resolve HOST:PORT:ADDR] [-k] [-L]
            [--trace-dns] [--all|--branch K|--seed N] URL [--json|--format text|json|mermaid] [--svg FILE]
  validate  -t TOPO
  check     -t TOPO [EXPECTATIONS.yaml] [--junit FILE]
  diff      -t BEFORE -t AFTER [--requests EXPECTATIONS.yaml] [--brief]
  netfilter --rules FILE|- --src IP --dst IP --dport N [--sport N] [--proto tcp|udp|sctp]
            [--local-ip IP ...] [--hook prerouting|output] [--json]
  iptables-save -t TOPO --node NAME
  diagram   -t TOPO [-o FILE.svg]
  report    -t TOPO [-o FILE.html]
  drift     -t TOPO [--json]
  collect   [--nodes a,b] [-o DIR] [--via debug|ssh]
  generate  --nodes N [--pods-per-node P] [--services S] [--endpoints E] [-o FILE]
  emulate   -t TOPO [--keep] [--shell NAME] | --clean   (root: the topology in network namespaces)
  verify    -t TOPO [--repeat N] [--request 'FROM TO [PROTO] [SIZE]' ...] [--only] [--alpha A] [--json]

LOC:  pod/[NS/]NAME, node/NAME, node/NAME:IFACE, client/NAME
DEST: IP:PORT, svc/[NS/]NAME[:PORT], pod/[NS/]NAME:PORT, node/NAME:PORT, client/NAME:PORT
Exit codes: 0 success, 1 a failure where success was asked, 2 bad input or usage.
`;

export const defaultIO: CommandIO = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
};

export async function main(argv: string[], io: CommandIO = defaultIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.stdout(USAGE);
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`kubehop: unknown command "${name}"\n${USAGE}`);
    return EXIT.badInput;
  }
  try {
    return await command(rest, io);
  } catch (e) {
    if (e instanceof InputError) {
      io.stderr(`${e.message}\n`);
      return EXIT.badInput;
    }
    if (e instanceof UsageError || e instanceof RequestError || e instanceof OutputError || isParseArgsError(e)) {
      io.stderr(`kubehop ${name}: ${(e as Error).message}\n`);
      return EXIT.badInput;
    }
    throw e;
  }
}

function isParseArgsError(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}
