// `kubehop emulate -t TOPO [--keep] [--shell NAME] | --clean [--force]`: the topology built for real in
// network namespaces (see lib/emulate). Without --keep it stays up until Ctrl-C (or until the --shell
// exits) and is then removed; --keep leaves it running until `kubehop emulate --clean`. Every start
// sweeps the runs of crashed processes; live runs of other processes are left alone, by --clean too
// unless --force.
import { spawn } from "node:child_process";
import { cleanRuns } from "../emulate/cleanup.ts";
import { emulate, type Emulation } from "../emulate/emulation.ts";
import { giveInterruptsToChild } from "../emulate/lifecycle.ts";
import { EmulationUnavailable } from "../emulate/prerequisites.ts";
import { loadWithProgress } from "./load-topology.ts";
import { type CommandRun, dumpsOption } from "./command.ts";
import { EXIT, required, UsageError } from "./io.ts";

export const run: CommandRun = async (args, io) => {
  const values = args.values as {
    topology?: string;
    keep?: boolean;
    shell?: string;
    clean?: boolean;
    force?: boolean;
    "no-cache"?: boolean;
    strict?: boolean;
  };
  if (values.force && !values.clean) throw new UsageError("--force goes with --clean");
  if (values.clean) {
    const { removed, live } = cleanRuns(values.force === true);
    io.stdout(
      removed.length
        ? `removed ${removed.length} kh- namespace(s): ${removed.join(" ")}\n`
        : "no kh- namespaces to remove\n",
    );
    if (live.length)
      io.stdout(`left run(s) ${live.join(" ")}: their kubehop is still running (--clean --force removes them too)\n`);
    return EXIT.ok;
  }
  const topo = loadWithProgress(required(values.topology, "-f TOPO"), {
    cache: !values["no-cache"],
    strict: values.strict === true,
    ...dumpsOption(args),
  });
  const log = (line: string) => io.stderr(`emulate: ${line}\n`);
  if (values.shell !== undefined && !shellTarget(topo.cluster, values.shell)) {
    throw new UsageError(
      `--shell ${values.shell}: no node or pod of that name; give node/NAME, pod/NS/NAME, client/NAME or a bare name`,
    );
  }
  let em: Emulation;
  try {
    em = await emulate(topo, { log });
  } catch (e) {
    if (!(e instanceof EmulationUnavailable)) throw e;
    io.stderr(`kubehop emulate: cannot emulate here: ${e.message}\n`);
    return EXIT.failed;
  }
  io.stdout(summary(em, topo.cluster));
  if (values.shell !== undefined) {
    const ns = em.namespaceOf(values.shell)!;
    io.stdout(
      `shell in ${values.shell} (namespace ${ns}); exit the shell ` +
        `to ${values.keep ? "leave the emulation running" : "remove the emulation"}\n`,
    );
    const code = await new Promise<number>((resolve) => {
      const sh = spawn("ip", ["netns", "exec", ns, process.env.SHELL || "/bin/bash"], {
        stdio: "inherit",
        env: { ...process.env, KUBEHOP_NETNS: ns, PS1: `[kh ${values.shell}] \\w# ` },
      });
      // Ctrl-C belongs to the shell while it runs.
      giveInterruptsToChild(true);
      sh.on("exit", (c) => {
        giveInterruptsToChild(false);
        resolve(c ?? 0);
      });
    });
    if (!values.keep) {
      em.teardown();
      io.stdout("emulation removed\n");
      return code === 0 ? EXIT.ok : EXIT.failed;
    }
  }
  if (values.keep) {
    em.detach();
    io.stdout(`kept: run ${em.names.runId} stays up; remove it with: kubehop emulate --clean\n`);
    return EXIT.ok;
  }
  io.stdout("running; press Ctrl-C to remove it\n");
  await new Promise<void>(() => {}); // until a signal: the handler tears down and exits
  return EXIT.ok;
};

function shellTarget(
  cluster: {
    nodes: readonly { name: string }[];
    pods: readonly { namespace: string; name: string }[];
    clients: readonly { name: string }[];
  },
  name: string,
): boolean {
  const bare = name.replace(/^(node|pod|client)\//, "");
  return (
    cluster.nodes.some((n) => n.name === bare) ||
    cluster.clients.some((c) => c.name === bare) ||
    cluster.pods.some((p) => `${p.namespace}/${p.name}` === bare || p.name === bare)
  );
}

function summary(em: Emulation, cluster: { nodes: readonly { name: string }[] }): string {
  const n = em.names;
  const lines = [`emulation ${n.runId}: ${n.all.length} network namespaces, built in ${em.buildSeconds.toFixed(1)} s`];
  lines.push(`  underlay switch   ${n.underlay} (bridge ul)`, `  router + LBs      ${n.edge}`);
  for (const node of cluster.nodes)
    lines.push(`  node/${node.name.padEnd(12)} ${n.nodes.get(node.name)}  (wg show ${n.wgDevices.get(node.name)})`);
  for (const [pod, ns] of n.pods) lines.push(`  pod/${pod.padEnd(13)} ${ns}`);
  for (const [c, ns] of n.clients) lines.push(`  client/${c.padEnd(10)} ${ns}`);
  for (const note of em.notes) lines.push(`note: ${note}`);
  lines.push(
    "poke at it: ip netns exec NS iptables -t nat -L -n; ip netns exec NS wg show DEVICE (wg0's control socket " +
      "keeps its creation name)",
  );
  return `${lines.join("\n")}\n`;
}

export type { Emulation };
