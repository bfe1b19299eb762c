"""One packaged EasyFaaS engine started for the benchmark, and a small HTTP client for its API.

Each engine gets a free port, its own data directory and its own copy of the install's config/
(the launcher's FileInstall folder is pointed at the copy with -Dfelix.fileinstall.dir), so the
benchmark never edits the install and can give each engine its own settings.
"""
import base64
import glob
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import zipfile

# the log line the sandbox manager writes each time the set of runtimes it can start changes
RUNTIMES_LINE = "ProcessSandboxManager - Runtimes available: "


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zip_of(files):
    """A zip held in memory; files maps archive names to text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def stat_fields(path):
    """The fields of a /proc/<pid>/stat after the command name (index 0 = state, 1 = ppid), or None."""
    try:
        with open(path) as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def command_line(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""


def cpu_seconds(pids):
    """User + system CPU time the processes have used so far."""
    ticks = 0
    for pid in pids:
        fields = stat_fields("/proc/%d/stat" % pid)
        if fields:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / float(os.sysconf("SC_CLK_TCK"))


class Client(object):
    """Keep-alive HTTP/1.1 client of one engine (not thread-safe: one per thread)."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.timeout = timeout
        self.connection = None

    def request(self, method, path, body=None):
        """(status, body bytes, seconds from sending the request to the last byte of the answer)."""
        for attempt in (1, 2):  # the server may have closed an idle keep-alive connection
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                self.connection.connect()
                self.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                headers = {"Content-Type": "application/json"} if body is not None else {}
                started = time.perf_counter()
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                return response.status, data, time.perf_counter() - started
            except (ConnectionError, http.client.BadStatusLine):
                self.close()
                if attempt == 2:
                    raise

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def deploy(self, name, runtime, handler, zip_bytes, fields=None):
        """fields: more of the create body, e.g. {"PodConcurrentQuota": 32}."""
        body = dict(fields or {}, FunctionName=name, Runtime=runtime, Handler=handler,
                    Code={"ZipFile": base64.b64encode(zip_bytes).decode()})
        body = json.dumps(body).encode()
        status, data, _ = self.request("POST", "/v1/functions", body)
        if status != 201:
            raise RuntimeError("deploy %s: HTTP %d %s" % (name, status, data[:300]))

    def invoke(self, name, event=b'{"name":"bench"}'):
        """(status, body, seconds)."""
        return self.request("POST", "/v1/functions/%s/invocations" % name, event)

    def cold_starts(self):
        """{kind: count} of easyfaas_cold_starts_total in GET /metrics, or None without that route."""
        status, data, _ = self.request("GET", "/metrics")
        if status != 200:
            return None
        counts = {}
        for line in data.decode().splitlines():
            if line.startswith('easyfaas_cold_starts_total{kind="'):
                kind, _, value = line[len('easyfaas_cold_starts_total{kind="'):].partition('"} ')
                counts[kind] = int(float(value))
        return counts

    def sandboxes(self):
        """The sandboxes GET /v1/runtimes lists, or None while the engine has no such route."""
        status, data, _ = self.request("GET", "/v1/runtimes")
        if status != 200:
            return None
        found = []

        def walk(value):
            if isinstance(value, dict):
                if any(k.lower() == "state" for k in value):
                    found.append({k.lower(): v for k, v in value.items()})
                else:
                    for v in value.values():
                        walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(json.loads(data))
        return found


class Engine(object):
    def __init__(self, home, workdir, name, settings):
        """settings: {configuration PID: {key: value}} appended to the copies of config/*.cfg."""
        self.home = home
        self.directory = os.path.join(workdir, name)
        self.name = name
        self.settings = settings
        self.process = None
        self.port = None
        self.started = None
        self.log_path = os.path.join(self.directory, "engine.log")

    def start(self, timeout=60):
        """Starts the engine; returns (seconds to GET /healthz 200, seconds to runtimes registered)."""
        shutil.rmtree(self.directory, ignore_errors=True)
        config = os.path.join(self.directory, "config")
        os.makedirs(config)
        for cfg in glob.glob(os.path.join(self.home, "config", "*.cfg")):
            shutil.copy(cfg, config)
        for pid, values in self.settings.items():
            with open(os.path.join(config, pid + ".cfg"), "a") as out:
                out.write("\n# set by bench/\n")
                for key, value in values.items():
                    out.write("%s = %s\n" % (key, value))
        self.port = free_port()
        env = dict(os.environ)
        env["EASYFAAS_JAVA_OPTS"] = (env.get("EASYFAAS_JAVA_OPTS", "") + " -Dfelix.fileinstall.dir=%s,%s"
                                     % (config, os.path.join(self.home, "deploy"))).strip()
        log = open(self.log_path, "wb")
        self.started = started = time.perf_counter()
        self.process = subprocess.Popen(
            [os.path.join(self.home, "bin", "easyfaas"), "serve", "--port", str(self.port),
             "--data", os.path.join(self.directory, "data")],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.directory)
        log.close()
        healthy = runtimes = None
        while time.perf_counter() - started < timeout and (healthy is None or runtimes is None):
            if self.process.poll() is not None:
                raise RuntimeError("engine %s exited with %d; see %s" % (self.name, self.process.returncode, self.log_path))
            now = time.perf_counter() - started
            if healthy is None and self._healthz():
                healthy = now
            if runtimes is None and self._runtimes_registered():
                runtimes = now
            time.sleep(0.005)
        if healthy is None or runtimes is None:
            self.stop()
            raise RuntimeError("engine %s not ready after %ds; see %s" % (self.name, timeout, self.log_path))
        return healthy, runtimes

    def _healthz(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                return s.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    def _runtimes_registered(self):
        with open(self.log_path, "rb") as log:
            for line in log:
                text = line.decode("utf-8", "replace")
                if RUNTIMES_LINE in text and "python3" in text and "nodejs20" in text:
                    return True
        return False

    def client(self):
        return Client(self.port)

    def memory_kb(self):
        """(VmRSS, Pss) of the engine JVM in kB (the launcher execs java, so it is our child)."""
        rss = pss = None
        with open("/proc/%d/status" % self.process.pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        try:
            with open("/proc/%d/smaps_rollup" % self.process.pid) as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        pss = int(line.split()[1])
        except OSError:
            pass
        return rss, pss

    def children(self, interpreter=None):
        """Pids of the engine's child processes (its sandboxes), of one interpreter if given."""
        pids = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            fields = stat_fields(stat)
            if fields and int(fields[1]) == self.process.pid:
                pid = int(stat.split("/")[2])
                if interpreter is None or command_line(pid).startswith(interpreter.encode()):
                    pids.append(pid)
        return pids

    def _ours(self, pid):
        """True while pid is alive and runs from this engine's directory (a sandbox of ours)."""
        return self.directory.encode() in command_line(pid)

    def stop(self, timeout=30):
        """SIGTERM, then SIGKILL past the timeout; returns the sandbox processes left behind."""
        if self.process is None or self.process.poll() is not None:
            return []
        children = self.children()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        left = [pid for pid in children if self._ours(pid)]
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left
