#!/usr/bin/env bash
# What a sandbox adds to an interpreter's start: python3 -I -S -c pass launched plain and in a
# full sandbox (namespaces, the funclet's file system view, cgroup, /proc), alternately, timed
# from launch to exit. Needs root. Usage: bench/sandbox-overhead.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-200}"
mkdir -p bench/results
report="$PWD/bench/results/sandbox-overhead-$(date -u +%Y%m%dT%H%M%SZ).txt"
mvn -B -q -pl bundles/api install -DskipTests
mvn -B -q -pl bundles/kernel test -Dtest=SandboxOverheadBenchmark -Drounds="$rounds" -Dreport="$report" -Dsurefire.failIfNoSpecifiedTests=false
cat "$report"
