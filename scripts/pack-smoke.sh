#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, install the tarball offline into a scratch project
# (from the npm cache `npm ci` filled), then use it the ways the README says: the command, the
# library from plain JavaScript, and the typed API with the chai plugin from TypeScript.
# One PASS or FAIL line per check; exits 1 if any failed. Run by .ci/run; alone: bash scripts/pack-smoke.sh
set -uo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/kubehop-pack-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
log="$work/log"
failures=0

# check NAME COMMAND...: runs COMMAND, prints PASS NAME, or FAIL NAME with what it printed.
check() {
  local name=$1
  shift
  if "$@" >"$log" 2>&1; then
    echo "PASS $name"
  else
    echo "FAIL $name"
    sed 's/^/    /' "$log" | tail -n 40
    failures=$((failures + 1))
  fi
}

# Everything after a failed install would fail for the same reason: stop there.
finish() {
  if [ "$failures" -gt 0 ]; then echo "pack smoke: $failures failed"; exit 1; fi
  echo "pack smoke: all passed"
  exit 0
}

version=$(node -p 'require("./package.json").version')
tarball="$work/kubehop-$version.tgz"
check "npm pack builds dist/ and packs kubehop-$version.tgz" npm pack --silent --pack-destination "$work"
[ -f "$tarball" ] || finish

# What ships: the compiled code, its sources for the maps, the command, schemas, the default topology.
contents() {
  local listing missing=() extra
  listing=$(tar -tzf "$tarball") || return 1
  for f in package.json README.md LICENSE bin/kubehop.js dist/index.js dist/index.d.ts dist/index.js.map \
    dist/chai.js dist/chai.d.ts dist/cli/main.js lib/index.ts schemas/trace.schema.json topologies/default.yaml; do
    grep -qx "package/$f" <<<"$listing" || missing+=("$f")
  done
  extra=$(grep -vE '^package/(package\.json|README\.md|LICENSE|bin/kubehop\.js|dist/.*\.(js|d\.ts)(\.map)?|lib/.*\.ts|schemas/[^/]*\.json|topologies/default\.yaml)$' <<<"$listing")
  echo "$(wc -l <<<"$listing") files"
  [ ${#missing[@]} -eq 0 ] || echo "missing: ${missing[*]}"
  [ -z "$extra" ] || echo "not on the whitelist: $extra"
  [ ${#missing[@]} -eq 0 ] && [ -z "$extra" ]
}
check "the tarball holds dist, lib sources, bin, schemas, the default topology, README, LICENSE and nothing else" contents

app="$work/app"
check "scratch project from README.md's marked code blocks" node scripts/pack-smoke.mjs "$app" "$tarball"
check "npm ci --offline installs the tarball, chai, typescript, mocha and their types from the cache" \
  bash -c "cd '$app' && npm ci --offline --no-audit --no-fund"
[ -x "$app/node_modules/.bin/kubehop" ] || finish
cd "$app"
mkdir -p topologies && cp node_modules/kubehop/topologies/default.yaml topologies/

# (a) the command
check "(a) npx kubehop --version prints kubehop $version" bash -c "npx kubehop --version | grep -qx 'kubehop $version'"
check "(a) npx kubectl-kubehop --version (the kubectl plugin's name)" bash -c "npx kubectl-kubehop --version | grep -qx 'kubehop $version'"
check "(a) npx kubehop curl -f topologies/default.yaml https://shop.example.com/api/cart --branch 1 answers HTTP 200" \
  bash -c "out=\$(npx kubehop curl -f topologies/default.yaml https://shop.example.com/api/cart --branch 1) && echo \"\$out\" && grep -q 'HTTP 200' <<<\"\$out\""

# (b) the library from plain JavaScript: it prints what the README's comments say
for script in *.mjs; do
  check "(b) node $script prints the lines its README comments promise" bash -c "node '$script' | diff - '$script.expected'"
done
# The library's types do not reach for chai: a project without it type-checks without chai's types.
check "(b) $(echo *.mjs) type-checks (checkJs) with no chai types in the program" bash -c "
  npx tsc -p tsconfig.mjs.json && npx tsc -p tsconfig.mjs.json --listFilesOnly > files &&
  if grep -E '@types/chai|kubehop/dist/(chai|assert/chai)\.d\.ts' files; then echo 'chai types were pulled in'; exit 1; fi"

# (c) TypeScript: the typed API and kubehop/chai, as the README's spec uses them
check "(c) tsc --noEmit: $(echo *.ts) type-checks against kubehop and kubehop/chai" npx tsc --noEmit
check "(c) the spec, compiled, passes under mocha" bash -c "npx tsc && npx mocha 'build/*.js'"

finish
