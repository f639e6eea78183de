// Rewrites the output of every ```console example in README.md with what the command prints now.
// Run after changing output on purpose: npx tsx scripts/update-readme.ts (spec/readme.spec.ts checks).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { main } from "../lib/cli/main.ts";

const file = new URL("../README.md", import.meta.url);
const readme = readFileSync(file, "utf8");
const parts = readme.split(/(```console\n[\s\S]*?```)/);
for (let i = 1; i < parts.length; i += 2) {
  const command = parts[i]!.split("\n")[1]!;
  const args = [...command.replace(/^\$ npx kubehop /, "").matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  let printed = "";
  await main(args, { stdout: (s) => (printed += s), stderr: (s) => (printed += s), readStdin: async () => "" });
  parts[i] = `\`\`\`console\n${command}\n${printed}\`\`\``;
}
writeFileSync(`${file.pathname}.tmp`, parts.join(""));
renameSync(`${file.pathname}.tmp`, file.pathname);
