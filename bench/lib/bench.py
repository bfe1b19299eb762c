"""EasyFaaS benchmark (issue 4): runs the scenarios against the packaged engine, prints a table and
writes bench/results/<UTC time>.md and .json. Start it with bench/run.sh, which installs wrk and
builds the engine first; see bench/README.md for what each scenario measures.

Every comparison is measured side by side in the same run (rounds alternate between the engine
and its reference), because the machine is noisy.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

LIB = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(LIB)
sys.path.insert(0, os.path.join(BENCH, "bare"))

import coldstart  # noqa: E402
from engine import Engine, cpu_seconds, free_port, zip_of  # noqa: E402

WRK_SCRIPT = os.path.join(LIB, "invoke.lua")
MB = 1024 * 1024  # MB in this report = MiB, as ps and top count them

SERVER_JS = os.path.join(BENCH, "bare", "server.js")
SERVER_PY = os.path.join(BENCH, "bare", "server.py")
# The first bare server of a language is the reference for its targets: the language's standard
# library HTTP server (Node's http, Python's http.server); the others are shown for comparison.
# "quota" is the PodConcurrentQuota the warm path's function is deployed with (None: the engine's
# default, one call per sandbox): Node's bootstrap serves overlapping calls, as its bare server
# does in one process; Python's serves them one after another, so it gets a sandbox per call.
LANGUAGES = {
    "node": {"title": "Node", "runtime": "nodejs20", "file": "index.js", "interpreter": "/usr/bin/node",
             "dir": os.path.join(BENCH, "functions", "noop-node"), "cold_target_ms": 15, "quota": 32,
             "bare": [("bare node http", ["/usr/bin/node", SERVER_JS, "{port}", "{dir}"])]},
    "python": {"title": "Python", "runtime": "python3", "file": "index.py", "interpreter": "/usr/bin/python3",
               "dir": os.path.join(BENCH, "functions", "noop-python"), "cold_target_ms": 10, "quota": None,
               "bare": [("bare http.server", ["/usr/bin/python3", SERVER_PY, "{port}", "{dir}", "http.server"]),
                        ("bare asyncio", ["/usr/bin/python3", SERVER_PY, "{port}", "{dir}", "asyncio"])]},
}

PROFILES = {
    # a smoke run: every scenario end to end in about two minutes
    "quick": dict(duration=2, rounds=1, warmup=1, cold_calls=5, starts=2, idle_settle=1,
                  scale_functions=100, scale_warm=20),
    "full": dict(duration=10, rounds=3, warmup=5, cold_calls=20, starts=5, idle_settle=3,
                 scale_functions=1000, scale_warm=200),
}

# Settings every engine of the run gets: room for the sandboxes the scenarios make (MemorySize is
# a limit, not a use: the no-op functions need ~10 MB, so node memory admission is lifted), no
# cooldown while they run, and the system interpreters (never a version-manager shim). Keys an
# engine does not know yet are ignored by it.
BASE_SETTINGS = {
    "io.easyfaas.controller": {"max.sandboxes": 400, "memory.capacity.mb": 1000000, "idle.timeout.seconds": 3600},
    "io.easyfaas.runtime.nodejs": {"interpreter": "/usr/bin/node"},
    "io.easyfaas.runtime.python3": {"interpreter": "/usr/bin/python3"},
}
# Scenario 1 runs the engine's defaults: one call per sandbox unless the function's
# PodConcurrentQuota says otherwise, at most 16 sandboxes per function.
WARM_PATH_SETTINGS = {}
# Scenario 2, second half: an engine that keeps no stem cell, so a first call starts an interpreter.
NO_STEM_CELL_SETTINGS = {"io.easyfaas.controller": {"stem.cells.per.runtime": 0}}


def merge(*layers):
    merged = {}
    for layer in layers:
        for pid, values in layer.items():
            merged.setdefault(pid, {}).update(values)
    return merged


def median(values):
    return statistics.median(values) if values else None


class Report(object):
    def __init__(self):
        self.rows = []
        self.raw = {}

    def row(self, scenario, measured, reference, comparison, target, passed, note=""):
        result = "INFO" if passed is None else ("PASS" if passed else "FAIL")
        self.rows.append(dict(scenario=scenario, measured=measured, reference=reference,
                              comparison=comparison, target=target, result=result, note=note))
        print("  %-44s %-30s %-30s %-16s %-12s %s %s" % (scenario, measured, reference, comparison, target,
                                                        result, note), flush=True)


def us(value):
    return "%d µs" % round(value) if value < 10000 else "%.1f ms" % (value / 1000.0)


def ms(seconds):
    return "%.1f ms" % (seconds * 1000)


# --- load generation ------------------------------------------------------------------------

def wrk(url, connections, seconds):
    """One wrk run with invoke.lua; the figures its done() prints, plus requests per second."""
    out = subprocess.run(["wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "--timeout", "5s",
                          "-s", WRK_SCRIPT, url], capture_output=True, text=True, check=True).stdout
    line = next((l for l in out.splitlines() if l.startswith("WRK_RESULT ")), None)
    if line is None:
        raise RuntimeError("wrk printed no result for %s:\n%s" % (url, out))
    result = json.loads(line[len("WRK_RESULT "):])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["error_count"] = sum(result["errors"].values())
    return result


def wrk_with_cpu(url, connections, seconds, groups):
    """wrk, plus the CPU time per request each group of processes ({name: pids}) used meanwhile."""
    before = {name: cpu_seconds(pids) for name, pids in groups.items()}
    result = wrk(url, connections, seconds)
    result["cpu_us_per_request"] = {name: 1e6 * (cpu_seconds(pids) - before[name]) / max(1, result["requests"])
                                    for name, pids in groups.items()}
    return result


def start_bare(command, port, handler_dir, log_path):
    argv = [a.format(port=port, dir=handler_dir) for a in command]
    log = open(log_path, "wb")
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    log.close()
    if process.stdout.readline().strip() != b"listening":
        process.kill()
        raise RuntimeError("bare server %s did not start; see %s" % (argv, log_path))
    return process


def stop_process(process):
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def function_zip(language, extra_line=""):
    spec = LANGUAGES[language]
    with open(os.path.join(spec["dir"], spec["file"])) as f:
        return zip_of({spec["file"]: f.read() + extra_line})


def check_ok(name, status, body):
    if status != 200 or json.loads(body) != {"ok": True}:
        raise RuntimeError("call of %s answered %d %s" % (name, status, body[:300]))


def invocation_url(engine, name):
    return "http://127.0.0.1:%d/v1/functions/%s/invocations" % (engine.port, name)


def errors_note(*runs):
    errors = sum(r["error_count"] for r in runs)
    return "" if errors == 0 else "%d failed requests (non-2xx, timeouts or socket errors)" % errors


# --- 1. warm path ---------------------------------------------------------------------------

def warm_up(engine, url, seconds):
    """Drives 32 connections until the engine stops starting sandboxes for them, so that no
    measured round pays for a start (on a loaded machine 31 starts can outlast a warm-up)."""
    sandboxes = len(engine.children())
    for _ in range(10):
        wrk(url, 32, seconds)
        now = len(engine.children())
        if now == sandboxes:
            return
        sandboxes = now


def warm_path(profile, report, engines):
    engine = engines.start("warm", WARM_PATH_SETTINGS)
    client = engine.client()
    targets = {}  # language -> [(label, url)], engine first, then the bare servers
    bare_processes = {}  # label -> process
    try:
        for language, spec in LANGUAGES.items():
            name = "noop-" + language
            client.deploy(name, spec["runtime"], "index.handler", function_zip(language),
                          {"PodConcurrentQuota": spec["quota"]} if spec["quota"] else None)
            check_ok(name, *client.invoke(name)[:2])
            targets[language] = [("engine", invocation_url(engine, name))]
            for label, command in spec["bare"]:
                port = free_port()
                bare_processes[label] = start_bare(command, port, spec["dir"],
                                                   os.path.join(engines.workdir, label.replace(" ", "-") + ".log"))
                targets[language].append((label, "http://127.0.0.1:%d/v1/functions/%s/invocations" % (port, name)))
        for language in LANGUAGES:
            for label, url in targets[language]:
                if label == "engine":
                    warm_up(engine, url, profile["warmup"])
                else:
                    wrk(url, 32, profile["warmup"])
        sandboxes = {language: engine.children(spec["interpreter"]) for language, spec in LANGUAGES.items()}
        runs = {}  # (language, label, connections) -> [wrk results]
        for _ in range(profile["rounds"]):
            for language in LANGUAGES:
                for label, url in targets[language]:
                    groups = {"JVM": [engine.process.pid], "sandboxes": sandboxes[language]} \
                        if label == "engine" else {label: [bare_processes[label].pid]}
                    for connections in (1, 32):
                        runs.setdefault((language, label, connections), []).append(
                            wrk_with_cpu(url, connections, profile["duration"], groups))
        report.raw["warm_path"] = {"%s/%s/c%d" % key: value for key, value in runs.items()}
        report.raw["warm_path_sandboxes"] = {language: len(pids) for language, pids in sandboxes.items()}
        for language, spec in LANGUAGES.items():
            title = spec["title"]
            engine_label, reference_label = targets[language][0][0], targets[language][1][0]

            def figure(label, connections, key):
                return median([r[key] for r in runs[(language, label, connections)]])

            e50, b50 = figure(engine_label, 1, "p50_us"), figure(reference_label, 1, "p50_us")
            note = errors_note(*runs[(language, engine_label, 1)], *runs[(language, reference_label, 1)])
            report.row("1 warm latency %s, 1 conn (median)" % title, "engine " + us(e50),
                       "%s %s" % (reference_label, us(b50)), "+" + us(e50 - b50), "≤ +150 µs",
                       e50 - b50 <= 150 and not note, note)
            report.row("1 warm latency %s, 1 conn (p99)" % title,
                       "engine " + us(figure(engine_label, 1, "p99_us")),
                       "%s %s" % (reference_label, us(figure(reference_label, 1, "p99_us"))), "", "", None)
            wanted = 0.75 if language == "node" else 1.0
            for label, _ in targets[language][1:]:
                e_rps, b_rps = figure(engine_label, 32, "rps"), figure(label, 32, "rps")
                note = errors_note(*runs[(language, engine_label, 32)], *runs[(language, label, 32)])
                is_reference = label == reference_label
                report.row("1 warm throughput %s, 32 conns" % title, "engine %.0f req/s" % e_rps,
                           "%s %.0f req/s" % (label, b_rps), "%.1f %%" % (100 * e_rps / b_rps),
                           "≥ %d %%" % (wanted * 100) if is_reference else "",
                           (e_rps >= wanted * b_rps and not note) if is_reference else None, note)

            def cpu(label, group):
                return median([r["cpu_us_per_request"][group] for r in runs[(language, label, 32)]])

            e_cpu = {group: cpu(engine_label, group) for group in ("JVM", "sandboxes")}
            b_cpu = cpu(reference_label, reference_label)
            report.row("1 CPU per request %s, 32 conns" % title,
                       "JVM %s + sandboxes %s" % (us(e_cpu["JVM"]), us(e_cpu["sandboxes"])),
                       "%s %s" % (reference_label, us(b_cpu)), "x%.1f" % (sum(e_cpu.values()) / b_cpu), "", None,
                       "%d %s sandboxes for 32 connections, PodConcurrentQuota %s"
                       % (report.raw["warm_path_sandboxes"][language], title, spec["quota"] or "1 (default)"))
        rss, _ = engine.memory_kb()
        report.row("1 engine RSS after the warm path", "%.0f MB" % (rss * 1024 / MB),
                   "%d sandboxes" % len(engine.children()), "", "", None)
    finally:
        for process in bare_processes.values():
            stop_process(process)
        client.close()
        engines.stop(engine)


# --- 2. first call --------------------------------------------------------------------------

def stem_cells_free(client, language):
    """Free stem cells of the language's runtime as GET /v1/runtimes lists them; None without that route."""
    sandboxes = client.sandboxes()
    if sandboxes is None:
        return None
    runtime = LANGUAGES[language]["runtime"]
    return sum(1 for s in sandboxes if str(s.get("state", "")).lower() == "stem"
               and s.get("runtime", runtime) == runtime)


def wait_for_stem_cell(client, language, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stem_cells_free(client, language):
            return True
        time.sleep(0.02)
    return False


def first_calls(profile, engine, stem_cells, bare_samples):
    """Request-to-response seconds of first calls per language, and how the engine says it served
    them ({kind: count} from /metrics, or None); bare starts are measured in between."""
    client = engine.client()
    samples = {language: [] for language in LANGUAGES}
    try:
        for language, spec in LANGUAGES.items():
            for i in range(profile["cold_calls"]):
                client.deploy("first-%s-%03d" % (language, i), spec["runtime"], "index.handler",
                              function_zip(language))
        before = client.cold_starts()
        for i in range(profile["cold_calls"]):
            for language in LANGUAGES:
                if stem_cells:
                    # every runtime's, not only this one's: a stem cell still starting to replace
                    # the one the previous call took would compete with this call for the CPUs
                    for runtime_language in LANGUAGES:
                        if not wait_for_stem_cell(client, runtime_language, 10):
                            raise RuntimeError("no %s stem cell free after 10 s" % runtime_language)
                else:
                    time.sleep(0.2)  # let the previous call's sandbox settle
                name = "first-%s-%03d" % (language, i)
                status, body, seconds = client.invoke(name)
                check_ok(name, status, body)
                samples[language].append(seconds)
                if bare_samples is not None:
                    bare_samples[language].append(coldstart.spawn_to_first_reply(language))
        after = client.cold_starts()
    finally:
        client.close()
    kinds = None if before is None else {k: after.get(k, 0) - before.get(k, 0) for k in after}
    return samples, kinds


def served(kinds):
    if kinds is None:
        return ""
    return "; engine counted %s" % ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items()))


def first_call(profile, report, engines):
    engine = engines.start("first-call", {})
    bare = {language: [] for language in LANGUAGES}
    try:
        client = engine.client()
        # the engine may start its stem cells a few seconds after it answers
        has_stem_cells = all(wait_for_stem_cell(client, language, 20) for language in LANGUAGES) \
            if client.sandboxes() is not None else False
        client.close()
        with_stem, with_stem_kinds = first_calls(profile, engine, has_stem_cells, None if has_stem_cells else bare)
    finally:
        engines.stop(engine)
    report.raw["first_call_stem_cells"] = has_stem_cells
    if has_stem_cells:
        engine = engines.start("first-call-no-stem", NO_STEM_CELL_SETTINGS)
        try:
            client = engine.client()
            still = [l for l in LANGUAGES if stem_cells_free(client, l)]
            client.close()
            if still:
                raise RuntimeError("stem cells still kept with %s; set the engine's key for it in "
                                   "NO_STEM_CELL_SETTINGS (bench/lib/bench.py)" % NO_STEM_CELL_SETTINGS)
            without_stem, without_stem_kinds = first_calls(profile, engine, False, bare)
        finally:
            engines.stop(engine)
    else:
        without_stem, without_stem_kinds = with_stem, with_stem_kinds
    report.raw["first_call"] = {"stem_cell_free": with_stem, "none_free": without_stem, "bare": bare,
                                "cold_starts_stem_cell_free": with_stem_kinds,
                                "cold_starts_none_free": without_stem_kinds}
    for language, spec in LANGUAGES.items():
        title = spec["title"]
        measured = median(with_stem[language])
        target = spec["cold_target_ms"] / 1000.0
        label = "%d calls" % len(with_stem[language]) + (
            served(with_stem_kinds) if has_stem_cells else "; no stem cells yet: every first call starts an interpreter")
        report.row("2 first call %s, stem cell free (median)" % title, ms(measured), "", "",
                   "≤ %d ms" % spec["cold_target_ms"], measured <= target, label)
        measured = median(without_stem[language])
        reference = median(bare[language])
        report.row("2 first call %s, none free (median)" % title, ms(measured), "bare start " + ms(reference),
                   "+" + ms(measured - reference), "≤ bare + 10 ms", measured <= reference + 0.010,
                   "%d calls" % len(without_stem[language]) + served(without_stem_kinds))


# --- 3. idle engine -------------------------------------------------------------------------

def jvm_floor():
    """Seconds `java -version` takes with the engine's collector: the JVM's own start, a gauge of how
    loaded the machine is while the engine's start is timed."""
    started = time.perf_counter()
    subprocess.run(["java", "-XX:+UseSerialGC", "-Xshare:auto", "-version"], capture_output=True, check=True)
    return time.perf_counter() - started


def idle_engine(profile, report, engines):
    healthy, runtimes, stem_cells, rss, pss, sandboxes, floor = [], [], [], [], [], [], []
    for i in range(profile["starts"]):
        floor.append(jvm_floor())
        engine = engines.start("idle-%d" % i, {}, timings=(healthy, runtimes))
        try:
            client = engine.client()
            if client.sandboxes() is not None:
                for language in LANGUAGES:
                    wait_for_stem_cell(client, language, 20)
                stem_cells.append(time.perf_counter() - engine.started)
            client.close()
            time.sleep(profile["idle_settle"])
            engine_rss, engine_pss = engine.memory_kb()
            rss.append(engine_rss * 1024)
            pss.append((engine_pss or 0) * 1024)
            sandboxes.append(len(engine.children()))
        finally:
            engines.stop(engine)
    report.raw["idle"] = dict(healthz_s=healthy, runtimes_s=runtimes, stem_cells_s=stem_cells, rss_bytes=rss,
                              pss_bytes=pss, sandboxes=sandboxes, java_version_s=floor,
                              java_opts=os.environ.get("EASYFAAS_JAVA_OPTS", ""))
    starts = "median of %d starts" % len(rss)
    report.row("3 idle engine RSS (JVM)", "%.0f MB" % (median(rss) / MB), "PSS %.0f MB" % (median(pss) / MB), "",
               "≤ 120 MB", median(rss) <= 120 * MB, "%s; %d sandboxes alive (stem cells)" % (starts, median(sandboxes)))
    reference = "java -version " + ms(median(floor))
    report.row("3 start to GET /healthz 200", ms(median(healthy)), reference, "", "≤ 2 s", median(healthy) <= 2.0, starts)
    report.row("3 start to runtimes registered", ms(median(runtimes)), reference, "", "≤ 2 s", median(runtimes) <= 2.0,
               starts + "; from the engine log")
    if stem_cells:
        report.row("3 start to a stem cell of each runtime", ms(median(stem_cells)), reference, "", "", None,
                   starts + "; Node and Python, from GET /v1/runtimes")


# --- 4. scale -------------------------------------------------------------------------------

def scale(profile, report, engines):
    functions, warm = profile["scale_functions"], profile["scale_warm"]
    settings = {"io.easyfaas.controller": {"max.sandboxes": max(400, warm + 50)}}
    one = engines.start("scale-one", settings)
    many = None
    try:
        many = engines.start("scale-many", settings)
        client = one.client()
        client.deploy("fn-0000", "python3", "index.handler", function_zip("python"))
        check_ok("fn-0000", *client.invoke("fn-0000")[:2])
        client.close()
        client = many.client()
        started = time.perf_counter()
        for i in range(functions):  # distinct code per function, so the store holds every package
            client.deploy("fn-%04d" % i, "python3", "index.handler", function_zip("python", "# fn %d\n" % i))
        deploy_seconds = time.perf_counter() - started
        client.close()

        def call(i):
            caller = many.client()
            try:
                name = "fn-%04d" % i
                check_ok(name, *caller.invoke(name)[:2])
            finally:
                caller.close()

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(call, range(warm)))
        warm_seconds = time.perf_counter() - started
        sandboxes = len(many.children())
        urls = {"one": invocation_url(one, "fn-0000"), "many": invocation_url(many, "fn-0000")}
        for url in urls.values():
            wrk(url, 1, profile["warmup"])
        runs = {"one": [], "many": []}
        for _ in range(profile["rounds"]):
            for key, url in urls.items():
                runs[key].append(wrk(url, 1, profile["duration"]))
        rss, _ = many.memory_kb()
    finally:
        engines.stop(one)
        if many is not None:
            engines.stop(many)
    report.raw["scale"] = dict(runs=runs, deploy_seconds=deploy_seconds, warm_seconds=warm_seconds,
                               sandboxes=sandboxes, rss_bytes=rss * 1024)
    p50_many, p50_one = median([r["p50_us"] for r in runs["many"]]), median([r["p50_us"] for r in runs["one"]])
    note = errors_note(*runs["many"], *runs["one"])
    report.row("4 warm latency, %d functions / %d warm" % (functions, sandboxes),
               "%s (p99 %s)" % (us(p50_many), us(median([r["p99_us"] for r in runs["many"]]))),
               "1 function %s" % us(p50_one), "%+.0f %%" % (100.0 * (p50_many - p50_one) / p50_one),
               "≤ +10 %", p50_many <= 1.10 * p50_one and not note, note)
    report.row("4 deploy through the API", "%.1f ms per function" % (1000 * deploy_seconds / functions),
               "", "", "", None, "%d functions" % functions)
    report.row("4 engine RSS with the functions and sandboxes", "%.0f MB" % (rss * 1024 / MB),
               "%d sandboxes" % sandboxes, "", "", None)


# --- driver ---------------------------------------------------------------------------------

class Engines(object):
    """Starts engines with the run's settings and checks that each stops with its sandboxes."""

    def __init__(self, home, workdir, settings, report):
        self.home = home
        self.workdir = workdir
        self.settings = settings
        self.report = report

    def start(self, name, settings, timings=None):
        engine = Engine(self.home, self.workdir, name, merge(BASE_SETTINGS, settings, self.settings))
        healthy, runtimes = engine.start()
        if timings is not None:
            timings[0].append(healthy)
            timings[1].append(runtimes)
        return engine

    def stop(self, engine):
        left = engine.stop()
        if left:
            self.report.row("engine %s stop" % engine.name, "%d sandboxes left running" % len(left),
                            "", "", "none left", False, "killed by the benchmark")


def command_output(argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (done.stdout + done.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unavailable"


def machine():
    with open("/proc/cpuinfo") as f:
        cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "unknown")
    with open("/proc/meminfo") as f:
        memory = next(l.split(":", 1)[1].strip() for l in f if l.startswith("MemTotal"))
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": memory, "kernel": platform.release(),
            "java": command_output(["java", "-version"]), "node": command_output(["/usr/bin/node", "--version"]),
            "python": command_output(["/usr/bin/python3", "--version"]), "wrk": command_output(["wrk", "--version"]),
            "commit": command_output(["git", "-C", BENCH, "describe", "--always", "--dirty"])}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def write_results(report, info, directory, stamp, quick):
    os.makedirs(directory, exist_ok=True)
    base = os.path.join(directory, stamp + ("-quick" if quick else ""))
    with open(base + ".json", "w") as f:
        json.dump({"info": info, "rows": report.rows, "raw": report.raw}, f, indent=1)
    lines = ["# EasyFaaS benchmark, %s%s" % (stamp, " (--quick smoke run)" if quick else ""), "",
             "Command: `%s`" % info["command"], ""]
    lines += ["- %s: %s" % (key, value) for key, value in info["machine"].items()]
    lines += ["- load average (1, 5, 15 min) before / after: %s / %s" % (info["load_before"], info["load_after"]),
              "- duration: %d s" % info["seconds"],
              "- profile: %s" % json.dumps(info["profile"]), "",
              "| scenario | measured | reference | comparison | target | result | note |",
              "|---|---|---|---|---|---|---|"]
    for r in report.rows:
        lines.append("| %s |" % " | ".join(r[k] for k in ("scenario", "measured", "reference", "comparison",
                                                           "target", "result", "note")))
    with open(base + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    return base + ".md"


SCENARIOS = {"1": warm_path, "2": first_call, "3": idle_engine, "4": scale}


def main():
    parser = argparse.ArgumentParser(description="EasyFaaS benchmark (run it through bench/run.sh)")
    parser.add_argument("--home", required=True, help="the engine install (distribution/target/easyfaas)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run of every scenario")
    parser.add_argument("--only", default="1,2,3,4", help="comma-separated scenarios to run (default all)")
    parser.add_argument("--set", action="append", default=[], metavar="PID:KEY=VALUE",
                        help="extra engine configuration for every engine, e.g. io.easyfaas.controller:max.sandboxes=500")
    parser.add_argument("--results", default=os.path.join(BENCH, "results"), help="where to write the results")
    args = parser.parse_args()
    settings = {}
    for item in args.set:
        pid, _, assignment = item.partition(":")
        key, _, value = assignment.partition("=")
        if not (pid and key and value):
            parser.error("--set wants PID:KEY=VALUE, got %r" % item)
        settings.setdefault(pid, {})[key] = value
    chosen = [key.strip() for key in args.only.split(",")]
    if not chosen or any(key not in SCENARIOS for key in chosen):
        parser.error("--only takes scenario numbers from 1,2,3,4, got %r" % args.only)
    profile = PROFILES["quick" if args.quick else "full"]
    stamp = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H%MZ")
    shown = [a for a in sys.argv[1:] if a != "--home" and a != args.home]
    info = {"command": " ".join(["bench/run.sh"] + shown), "machine": machine(), "profile": profile,
            "load_before": loadavg(), "settings": merge(BASE_SETTINGS, settings)}
    report = Report()
    started = time.monotonic()
    print("EasyFaaS benchmark %s (%s); load average %s" % (stamp, "quick" if args.quick else "full",
                                                           info["load_before"]), flush=True)
    workdir = tempfile.mkdtemp(prefix="easyfaas-bench-")
    engines = Engines(os.path.abspath(args.home), workdir, settings, report)
    try:
        for key in chosen:
            scenario = SCENARIOS[key]
            print("scenario %s (%s), load average %s" % (key, scenario.__name__, loadavg()), flush=True)
            scenario(profile, report, engines)
    except BaseException:
        print("bench: stopped by an error; engine and server logs kept in %s" % workdir, file=sys.stderr)
        raise
    shutil.rmtree(workdir, ignore_errors=True)
    info["load_after"] = loadavg()
    info["seconds"] = round(time.monotonic() - started)
    path = write_results(report, info, args.results, stamp, args.quick)
    print("\nresults: %s" % path)
    print(open(path).read())
    return 0  # a missed target is a result, not an error of the run


if __name__ == "__main__":
    sys.exit(main())
