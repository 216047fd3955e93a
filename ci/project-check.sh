#!/usr/bin/env bash
# ci/project-check.sh: the CI recipe users copy (ci/github-actions-luasim.yml) works, step by
# step, on a project made the way users make one.
#
# Installs luasim with the recipe's own install command, from a file:// clone of the committed
# repository pinned to its commit, into a temporary root (reusing $CARGO_TARGET_DIR when set);
# or, given a luasim binary, puts that one there instead (the install builds are what
# ci/install-check.sh proves). Then, in a folder under /tmp outside the repository:
# `luasim init demo` (its workflow must be the recipe with the two pins filled in), and the
# recipe's check and test steps, as written, in the new project and in the acceptance project
# tests/project/weather (a Display and a BME280 the build declares); each must pass and leave
# a JUnit report without failures.
#
# Usage: bash ci/project-check.sh [LUASIM]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
recipe="$repo/ci/github-actions-luasim.yml"
scratch=$(mktemp -d /tmp/luasim-project.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# The `run:` command of the recipe's step named $1, and the value of its env variable $1.
step() { sed -n "/- name: $1\$/,/run:/p" "$recipe" | sed -n 's/^ *run: //p'; }
env_of() { sed -n "s/^  $1: //p" "$recipe"; }

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
    echo "project-check: $project: $(step 'Run the scenarios')"
    (cd "$project" && bash -c "$(step 'Run the scenarios')")
    grep -q '<testsuite[^>]* failures="0"' "$project/luasim-junit.xml"
done
echo "project-check: the recipe's steps pass on a new project and on the acceptance project"
