// Lays out the scratch project of scripts/pack-smoke.sh: node scripts/pack-smoke.mjs APP_DIR TARBALL
//
// The project installs the packed tarball beside chai, typescript, mocha and their types. Its
// package-lock.json is written here from kubehop's own lockfile, because only a lockfile lets
// `npm ci --offline` install from the cache `npm ci` filled: resolving a name without one needs
// the registry's full metadata, which that cache does not hold. The closure starts from the
// dependencies the packed package.json declares, so a dependency missing there is missing here.
//
// The consumer code is the README's: each code block whose first line is a comment naming a file
// (`// example.mjs ...`) is written to that file, and for a .mjs the trailing comments of its
// console.log lines are written to FILE.expected: what running it must print.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";

const root = new URL("..", import.meta.url);
const [appDir, tarball] = process.argv.slice(2);
if (!appDir || !tarball) {
  console.error("usage: node scripts/pack-smoke.mjs APP_DIR TARBALL");
  process.exit(2);
}

/** What the consumer installs besides kubehop, at the versions kubehop itself is tested with. */
const CONSUMER_TOOLS = ["chai", "@types/chai", "typescript", "@types/node", "mocha", "@types/mocha"];

const readJson = (url) => JSON.parse(readFileSync(url, "utf8"));
const pkg = readJson(new URL("package.json", root));
const lock = readJson(new URL("package-lock.json", root)).packages;

/** Where Node would find `name` from the package installed at `from` (a lockfile key, "" for the root). */
function resolve(name, from) {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf("/node_modules/")))) {
    const key = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock[key]) return key;
    if (!dir) return undefined;
  }
}

/** Every lockfile entry reachable from `names` (required from the root), with its own dependencies. */
function closure(names) {
  const found = new Map();
  const visit = (name, from, optional) => {
    const key = resolve(name, from);
    if (!key) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || "the scratch project"}) is not in package-lock.json`);
    }
    if (found.has(key)) return;
    found.set(key, lock[key]);
    const entry = lock[key];
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(dep, key, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(dep, key, true);
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    for (const dep of Object.keys(entry.peerDependencies ?? {})) visit(dep, key, optionalPeers[dep]?.optional === true);
  };
  for (const name of names) visit(name, "", false);
  return found;
}

function scratchLock(tarballSpec, integrity) {
  const tools = Object.fromEntries(CONSUMER_TOOLS.map((name) => [name, lock[`node_modules/${name}`].version]));
  const dependencies = { kubehop: tarballSpec, ...tools };
  const packages = { "": { name: "kubehop-pack-smoke", dependencies } };
  const kubehop = {
    version: pkg.version,
    resolved: tarballSpec,
    integrity,
    license: pkg.license,
    dependencies: pkg.dependencies,
    bin: pkg.bin,
    engines: pkg.engines,
    peerDependencies: pkg.peerDependencies,
    peerDependenciesMeta: pkg.peerDependenciesMeta,
  };
  packages["node_modules/kubehop"] = kubehop;
  const entries = closure([...Object.keys(pkg.dependencies), ...CONSUMER_TOOLS]);
  for (const key of [...entries.keys()].sort()) {
    // kubehop's dev tools are the consumer's dependencies: the flags describing them here no longer hold.
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = entries.get(key);
    packages[key] = entry;
  }
  return {
    manifest: { name: "kubehop-pack-smoke", private: true, type: "module", dependencies },
    lock: { name: "kubehop-pack-smoke", lockfileVersion: 3, requires: true, packages },
  };
}

/** The README's code blocks that open with `// FILE.mjs` or `// FILE.ts`, by file name. */
function readmeFiles() {
  const readme = readFileSync(new URL("README.md", root), "utf8");
  const files = new Map();
  for (const [, body] of readme.matchAll(/```(?:js|ts)\n([\s\S]*?)```/g)) {
    const name = /^\/\/ ([\w.-]+\.(?:mjs|ts))\b/.exec(body)?.[1];
    if (name) files.set(name, body);
  }
  return files;
}

/** The trailing `// ...` comments of a script's console.log lines: its expected output, line by line. */
function expectedOutput(source) {
  return source.split("\n").flatMap((line) => /^\s*console\.log\(.*\);\s*\/\/ (.*)$/.exec(line)?.slice(1) ?? []);
}

mkdirSync(appDir, { recursive: true });
const tarballSpec = `file:${relative(appDir, tarball)}`;
const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
const { manifest, lock: scratch } = scratchLock(tarballSpec, integrity);
writeFileSync(join(appDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
writeFileSync(join(appDir, "package-lock.json"), `${JSON.stringify(scratch, null, 2)}\n`);
const writeTsconfig = (name, compilerOptions, include) =>
  writeFileSync(
    join(appDir, name),
    `${JSON.stringify({ compilerOptions: { target: "es2022", module: "nodenext", skipLibCheck: false, ...compilerOptions }, include }, null, 2)}\n`,
  );
writeTsconfig("tsconfig.json", { strict: true, types: ["node", "mocha"], outDir: "build" }, ["*.ts"]);
// The plain-JavaScript consumer, checked as an editor checks JavaScript (not strict), asking for no chai types.
writeTsconfig("tsconfig.mjs.json", { allowJs: true, checkJs: true, strict: false, noEmit: true, types: ["node"] }, [
  "*.mjs",
]);

const files = readmeFiles();
const wanted = [...files.keys()];
if (!wanted.some((f) => f.endsWith(".mjs")) || !wanted.some((f) => f.endsWith(".ts"))) {
  console.error(
    `README.md: expected a \`// NAME.mjs\` and a \`// NAME.ts\` code block, found: ${wanted.join(", ") || "none"}`,
  );
  process.exit(2);
}
for (const [name, body] of files) {
  writeFileSync(join(appDir, name), body);
  if (name.endsWith(".mjs"))
    writeFileSync(
      join(appDir, `${name}.expected`),
      expectedOutput(body)
        .map((l) => `${l}\n`)
        .join(""),
    );
}
console.log(
  `${basename(appDir)}: ${Object.keys(scratch.packages).length - 1} packages locked; from README.md: ${wanted.join(", ")}`,
);
