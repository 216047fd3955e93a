#!/usr/bin/env bash
# Times `luasim check` on a typical rules.lua against 20 scenarios (the figure README.md quotes):
# the boiler's rules.lua in 20 generated boiler scenarios, five each of four kinds (a few alerts
# in a minute, a reading every 5 s for two hours, a reading a minute for a day on an esp32, and
# the bundled three-reload scenario). Builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

for i in $(seq 1 20); do
  case $((i % 4)) in
  0) cat > "$dir/s$i.yaml" <<YAML
name: alerts_$i
device: esp32s3
scripts: $root/lua/examples/boiler
duration: 65s
config: { mqtt: { prefix: boiler1 }, alerts: { overtemp_threshold: $((70 + i)) } }
steps:
  - { at: 1s, event: { name: sensor.temperature, data: { value: 85 } } }
  - { at: 2s, event: { name: sensor.temperature, data: { value: 75 } } }
  - { at: 3s, event: { name: sensor.temperature, data: { value: 90 } } }
  - { at: 4s, mqtt: { topic: boiler1/cmd/ping, payload: hello } }
YAML
  ;;
  1) cat > "$dir/s$i.yaml" <<YAML
name: busy_$i
device: esp32s3
scripts: $root/lua/examples/boiler
duration: 2h
config: { mqtt: { prefix: boiler1 }, alerts: { overtemp_threshold: 80 } }
steps:
  - { at: 10s, event: { name: sensor.temperature, data: { value: $((60 + i)) } }, repeat: 1440, every: 5s }
YAML
  ;;
  2) cat > "$dir/s$i.yaml" <<YAML
name: day_$i
device: esp32
scripts: $root/lua/examples/boiler
duration: 1d
config: { mqtt: { prefix: boiler1 }, alerts: { overtemp_threshold: 80 } }
steps:
  - { at: 30s, event: { name: sensor.temperature, data: { value: 82 } }, repeat: 1440, every: 1m }
  - { at: 45s, mqtt: { topic: boiler1/cmd/ping, payload: p }, repeat: 96, every: 15m }
YAML
  ;;
  3) sed -e "s/^name: .*/name: reload_$i/" -e "s#\.\./lua/#$root/lua/#g" scenarios/boiler_reload.yaml > "$dir/s$i.yaml"
  ;;
  esac
done

cargo build --release -q
nproc
time target/release/luasim check lua/examples/boiler/rules.lua --scenarios "$dir" | tail -3 || true
