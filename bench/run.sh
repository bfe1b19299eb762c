#!/usr/bin/env bash
#
# EasyFaaS benchmark: builds the engine, installs wrk if needed, runs the scenarios of issue 4
# and writes bench/results/<UTC time>.md and .json (see bench/README.md).
#
#   bench/run.sh [--quick] [--no-build] [--only 1,2,3,4] [--set PID:KEY=VALUE]...
#
#   --quick       a smoke run (a few seconds per scenario; fewer functions and rounds)
#   --no-build    use distribution/target/easyfaas as it is
#   --only        scenarios to run: 1 warm path, 2 first call, 3 idle engine, 4 scale
#   --set         extra configuration for every engine the run starts,
#                 e.g. --set io.easyfaas.controller:max.sandboxes=600
#
# Environment: EASYFAAS_JAVA_OPTS is passed to the engines (e.g. "-Xmx256m").
#
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(dirname "$bench")
home=$repo/distribution/target/easyfaas

build=yes
args=()
for arg in "$@"; do
  case $arg in
    --no-build) build=no ;;
    -h|--help) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$arg") ;;
  esac
done

for tool in /usr/bin/python3 /usr/bin/node java; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done

if ! command -v wrk >/dev/null; then
  echo "bench: installing wrk (Debian package)" >&2
  if [ "$(id -u)" != 0 ]; then
    echo "bench: wrk is missing and installing it needs root: apt-get install wrk" >&2
    exit 1
  fi
  apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
fi

if [ $build = yes ] || [ ! -x "$home/bin/easyfaas" ]; then
  echo "bench: building the engine (mvn -B -q package -DskipTests -pl distribution -am)" >&2
  (cd "$repo" && mvn -B -q -Dstyle.color=never package -DskipTests -pl distribution -am)
fi

# the system python: a version-manager shim on PATH adds ~100 ms to every start
exec /usr/bin/python3 "$bench/lib/bench.py" --home "$home" ${args[@]+"${args[@]}"}
