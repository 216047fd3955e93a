#!/usr/bin/env bash
# ci/crosscheck.sh: runs scenarios on the simulator and on the QEMU firmware and compares the
# traces byte for byte (brief §4, issue 5).
#
# Usage: ci/crosscheck.sh [SCENARIO.yaml ...]   (default: the scenarios in ci/crosscheck.list)
#
# Installs the Debian cross toolchain and QEMU when missing (run as root on CI), builds the
# firmware (firmware-shim/build.sh) and the simulator, then for each scenario: packs it
# (docs/pack-format.md), runs qemu-system-riscv32 -M virt under -icount shift=0,sleep=off
# with the blob at 0x81000000 inside an outer timeout, runs `luasim run` on the same scenario,
# and compares the traces. The table also shows the Lua heap peak the simulator reports next to
# the one the firmware measured in device bytes, and the simulator's error. Exits 1 if any trace
# differs or a heap error exceeds HEAP_TOLERANCE percent (default 2; a list line can widen it
# for its scenario with `heap-tolerance=N`), 2 on a set-up error. It prints the worst heap error
# among the scenarios held to the default tolerance.
# Artifacts (blob, both traces, diff) go to target/crosscheck/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
cd "$repo"
started=$SECONDS

QEMU_TIMEOUT=${QEMU_TIMEOUT:-60}
# The simulator's Lua heap peak must stay within this many percent of the firmware's (docs/memory.md
# has the measured errors; the worst is +1.6 %).
HEAP_TOLERANCE=${HEAP_TOLERANCE:-2}
# Cargo profile of the simulator binary: `release` by default; .ci/run passes `dev` to reuse the
# binary its test run has just built instead of compiling everything again.
SIM_PROFILE=${SIM_PROFILE:-release}
packages=(gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc jq)

out=target/crosscheck
mkdir -p "$out"
# The simulator build needs no Debian package: start it now, beside apt and the firmware build.
echo "crosscheck: building the simulator (log: $out/simulator-build.log)"
cargo build --profile "$SIM_PROFILE" -p luasim --bin luasim >"$out/simulator-build.log" 2>&1 &
cargo_pid=$!
trap '[ -z "$cargo_pid" ] || kill "$cargo_pid" 2>/dev/null; true' EXIT

missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "crosscheck: installing ${missing[*]}"
    if [ "$(id -u)" != 0 ]; then
        echo "crosscheck: need root to apt-get install ${missing[*]}" >&2
        exit 2
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "crosscheck: building the firmware"
firmware-shim/build.sh >"$out/firmware-build.log" 2>&1 || { cat "$out/firmware-build.log" >&2; exit 2; }
firmware=target/firmware/firmware-qemu-virt.elf
echo "crosscheck: waiting for the simulator build"
build_rc=0
wait "$cargo_pid" || build_rc=$?
cargo_pid=""
if [ "$build_rc" != 0 ]; then
    cat "$out/simulator-build.log" >&2
    exit 2
fi
if [ "$SIM_PROFILE" = dev ]; then luasim=target/debug/luasim; else luasim=target/$SIM_PROFILE/luasim; fi

if [ "$#" -gt 0 ]; then
    scenarios=("$@")
else
    mapfile -t scenarios < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' ci/crosscheck.list)
fi

failures=0
rows=()
worst=""
for entry in "${scenarios[@]}"; do
    # A list line may follow the path with `heap-tolerance=N`: a wider bound for one scenario,
    # whose comment in the list says why.
    read -r scenario options <<<"$entry"
    tolerance=$HEAP_TOLERANCE
    case "${options:-}" in heap-tolerance=*) tolerance=${options#heap-tolerance=} ;; esac
    name=$(basename "$scenario" .yaml)
    blob="$out/$name.bin" sim="$out/$name.sim.txt" dev="$out/$name.qemu.txt" diff="$out/$name.diff"
    verdict="" detail="" heap="-" heap_off=""
    if ! "$luasim" pack "$scenario" -o "$blob" 2>"$out/$name.pack.log"; then
        verdict="ERROR" detail="pack: $(head -1 "$out/$name.pack.log")"
    else
        # luasim run prints the trace, a blank line, then the summary (exit 1 = expectations).
        set +e
        "$luasim" run "$scenario" >"$out/$name.sim.full" 2>"$out/$name.sim.err"
        sim_rc=$?
        timeout "$QEMU_TIMEOUT" qemu-system-riscv32 -M virt -bios none -kernel "$firmware" \
            -device loader,file="$blob",addr=0x81000000 -display none -monitor none -serial stdio \
            -icount shift=0,sleep=off >"$out/$name.qemu.full" 2>"$out/$name.qemu.err"
        qemu_rc=$?
        set -e
        sed '/^$/q' "$out/$name.sim.full" | sed '${/^$/d}' >"$sim"
        # Lines starting with '#' are the firmware's report, not trace.
        grep -v '^#' "$out/$name.qemu.full" >"$dev" || true
        heap_sim=$(sed -n 's/^lua heap *peak \([0-9]*\) .*/\1/p' "$out/$name.sim.full")
        heap_dev=$(sed -n 's/^# lua_heap_peak_bytes=\([0-9]*\) .*/\1/p' "$out/$name.qemu.full")
        if [ -n "$heap_sim" ] && [ -n "$heap_dev" ] && [ "$heap_dev" -gt 0 ]; then
            heap="$heap_sim/$heap_dev ($(awk -v s="$heap_sim" -v d="$heap_dev" 'BEGIN { printf "%+.0f%%", (s - d) * 100 / d }'))"
            heap_off=$(awk -v s="$heap_sim" -v d="$heap_dev" -v t="$tolerance" \
                'BEGIN { e = (s - d) * 100 / d; if (e > t || e < -t) print "heap off by more than " t "%" }')
            # the worst error among the scenarios held to the default tolerance
            if [ "$tolerance" = "$HEAP_TOLERANCE" ]; then
                worst=$(awk -v s="$heap_sim" -v d="$heap_dev" -v n="$name" -v w="$worst" \
                    'BEGIN { e = (s - d) * 100 / d; split(w, old, " "); a = e < 0 ? -e : e;
                             b = old[2] < 0 ? -old[2] : old[2];
                             if (w == "" || a > b) printf "%s %+.1f %d/%d", n, e, s, d; else print w }')
            fi
        fi
        if [ "$sim_rc" -ge 2 ]; then
            verdict="ERROR" detail="luasim run exited $sim_rc: $(head -1 "$out/$name.sim.err")"
        elif cmp -s "$sim" "$dev"; then
            verdict="yes" detail="$(wc -l <"$sim") lines"
            [ "$qemu_rc" = 0 ] || { verdict="NO" detail="identical trace but QEMU exited $qemu_rc"; }
        else
            verdict="NO"
            diff "$sim" "$dev" >"$diff" || true
            line=$({ cmp "$sim" "$dev" 2>/dev/null || true; } | sed -n 's/.* line \([0-9]*\).*/\1/p')
            if [ -z "$line" ]; then
                line=$(( $(wc -l <"$sim") < $(wc -l <"$dev") ? $(wc -l <"$sim") + 1 : $(wc -l <"$dev") + 1 ))
            fi
            s=$(sed -n "${line}p" "$sim" | cut -c1-110) d=$(sed -n "${line}p" "$dev" | cut -c1-110)
            detail="line $line: sim [${s:-<end>}] qemu [${d:-<end>}]"
            case "$qemu_rc" in
                0) ;;
                124) detail="$detail (QEMU timed out after ${QEMU_TIMEOUT}s)" ;;
                *) detail="$detail (QEMU exited $qemu_rc)" ;;
            esac
        fi
    fi
    if [ "$verdict" = "yes" ] && [ -n "$heap_off" ]; then
        verdict="HEAP" detail="$heap_off"
    fi
    [ "$verdict" = "yes" ] || failures=$((failures + 1))
    rows+=("$(printf '%-28s %-9s %-22s %s' "$name" "$verdict" "$heap" "$detail")")
    printf '  %-28s %s\n' "$name" "$verdict"
done

echo
printf '%-28s %-9s %-22s %s\n' "scenario" "identical" "heap sim/device" "first differing line"
printf '%-28s %-9s %-22s %s\n' "--------" "---------" "---------------" "--------------------"
printf '%s\n' "${rows[@]}"
echo
if [ -n "$worst" ]; then
    read -r worst_name worst_error worst_bytes <<<"$worst"
    echo "crosscheck: worst heap error ${worst_error}% ($worst_name, $worst_bytes bytes), tolerance ${HEAP_TOLERANCE}%"
fi
echo "crosscheck: ${#scenarios[@]} scenarios, $failures differing (trace, or heap beyond ${HEAP_TOLERANCE}%), $((SECONDS - started)) s (artifacts in $out/)"
[ "$failures" = 0 ] || exit 1
