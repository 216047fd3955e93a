#!/usr/bin/env bash
# ci/project-check.sh: the CI recipe users copy (ci/github-actions-luasim.yml) works, step by
# step, on a project made the way users make one.
#
# Installs luasim with the recipe's own install command, from a file:// clone of the committed
# repository pinned to its commit, into a temporary root (reusing $CARGO_TARGET_DIR when set);
# or, given a luasim binary, puts that one there instead (the install builds are what
# ci/install-check.sh proves). Then, in a folder under /tmp outside the repository:
# `luasim init demo` (its workflow must be the recipe with the two pins filled in), and the
# recipe's check step, its test step once per shard of its matrix (SHARD and SHARDS set as the
# matrix sets them) and its merge step, as written, in the new project and in the acceptance
# project tests/project/weather (a Display and a BME280 the build declares); each must pass and
# the merge must leave a JUnit report without failures.
#
# Usage: bash ci/project-check.sh [LUASIM]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
recipe="$repo/ci/github-actions-luasim.yml"
scratch=$(mktemp -d /tmp/luasim-project.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# The `run:` command of the recipe's (first) step named $1, the value of its env variable $1,
# and the shards of its matrix.
step() { sed -n "/- name: $1\$/,/run:/p" "$recipe" | sed -n 's/^ *run: //p' | head -n 1; }
env_of() { sed -n "s/^  $1: //p" "$recipe"; }
shards() { sed -n 's/^ *shard: \[\(.*\)\]$/\1/p' "$recipe" | tr -d ' ' | tr ',' ' '; }

git clone --quiet "file://$repo" "$scratch/src"
export LUASIM_GIT="file://$scratch/src"
export LUASIM_REV
LUASIM_REV=$(git -C "$scratch/src" rev-parse HEAD)
export CARGO_INSTALL_ROOT="$scratch/root"
if [ $# -ge 1 ]; then
    mkdir -p "$CARGO_INSTALL_ROOT/bin"
    cp "$(realpath "$1")" "$CARGO_INSTALL_ROOT/bin/luasim"
    echo "project-check: using the prebuilt $1"
else
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$scratch/target}
    echo "project-check: the recipe's install step, pinned to $LUASIM_REV"
    bash -c "$(step 'Install luasim')"
fi
export PATH="$CARGO_INSTALL_ROOT/bin:$PATH"
export RULES
RULES=$(env_of RULES)

cd "$scratch"
luasim init demo --luasim-git "$LUASIM_GIT" --luasim-rev "$LUASIM_REV" 2>/dev/null
sed -e "s|SET-ME-luasim-git-url|$LUASIM_GIT|" -e "s|SET-ME-luasim-commit|$LUASIM_REV|" "$recipe" \
    | diff - demo/.github/workflows/luasim.yml
cp -R "$repo/tests/project/weather" weather

for project in demo weather; do
    echo "project-check: $project: $(step 'Check the rules')"
    (cd "$project" && bash -c "$(step 'Check the rules')")
    read -ra matrix <<<"$(shards)"
    for shard in "${matrix[@]}"; do
        echo "project-check: $project: shard $shard of ${#matrix[@]}: $(step 'Run the scenarios')"
        (cd "$project" && SHARD=$shard SHARDS=${#matrix[@]} bash -c "$(step 'Run the scenarios')")
    done
    echo "project-check: $project: $(step 'Merge the reports')"
    (cd "$project" && bash -c "$(step 'Merge the reports')")
    grep -q '<testsuite[^>]* failures="0"' "$project/luasim-junit.xml"
done
echo "project-check: the recipe's steps (${#matrix[@]} shards, merged) pass on a new project and on the acceptance project"
