// A function that attacks its own sandbox; each event names one attack and it reports what happened.
const fs = require('fs');
const os = require('os');
const net = require('net');
const { spawn } = require('child_process');

function probe(path, write) {
  try {
    if (write) fs.writeFileSync(path, 'x');
    else if (fs.existsSync(path) && fs.statSync(path).isDirectory()) fs.readdirSync(path);
    else fs.readFileSync(path);
    return 'allowed';
  } catch (e) {
    return 'errno ' + (e.errno === undefined ? e.code : -e.errno);
  }
}

function connect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.on('connect', () => { socket.destroy(); resolve('connected'); });
    socket.on('timeout', () => { socket.destroy(); resolve('timeout'); });
    socket.on('error', (e) => resolve('errno ' + e.code));
  });
}

exports.handler = async (event) => {
  const attack = event.attack;
  const paths = event.paths || [];
  switch (attack) {
    case 'look':
      return { pids: fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).sort((a, b) => a - b),
        hostname: os.hostname(), uid: process.getuid(), gid: process.getgid() };
    case 'read':
      return Object.fromEntries(paths.map((p) => [p, probe(p, false)]));
    case 'write':
      return Object.fromEntries(paths.map((p) => [p, probe(p, true)]));
    case 'mark-tmp':
      fs.writeFileSync('/tmp/' + event.marker, 'mine');
      return fs.readdirSync('/tmp').sort();
    case 'fill-tmp': {
      let written = 0;
      const chunk = Buffer.alloc(1 << 20, 120);
      const fd = fs.openSync('/tmp/fill', 'w');
      try {
        while (written < (1 << 30)) { fs.writeSync(fd, chunk); written += chunk.length; }
        return { written, errno: 0 };
      } catch (e) {
        return { written, errno: e.code };
      } finally {
        fs.closeSync(fd);
        fs.unlinkSync('/tmp/fill');
      }
    }
    case 'memory': {
      const hog = [];
      for (;;) hog.push(Buffer.alloc(16 << 20, 1));
    }
    case 'fork-bomb': {
      let children = 0;
      for (; children < 100000; children++) {
        const child = spawn('/bin/sleep', ['600'], { stdio: 'ignore' });
        const failed = await new Promise((resolve) => {
          child.on('error', (e) => resolve(e.code));
          child.on('spawn', () => resolve(null));
        });
        if (failed) return { children, errno: failed };
      }
      return { children, errno: 0 };
    }
    case 'spin': {
      const started = Date.now();
      const cpu = process.cpuUsage();
      while (Date.now() - started < event.seconds * 1000) { /* spin */ }
      const used = process.cpuUsage(cpu);
      return { cpu: (used.user + used.system) / 1e6, wall: (Date.now() - started) / 1000 };
    }
    case 'connect': {
      const results = {};
      for (const host of event.hosts) results[host] = await connect(host, event.port);
      return results;
    }
    case 'address': {
      const eth0 = (os.networkInterfaces().eth0 || []).find((a) => a.family === 'IPv4');
      const routes = fs.readFileSync('/proc/net/route', 'utf8').trim().split('\n').slice(1).map((l) => l.split(/\s+/));
      const gateway = routes.find((r) => r[1] === '00000000');
      const hex = gateway ? gateway[2] : null;
      return { address: eth0 ? eth0.address : 'none',
        gateway: hex ? [6, 4, 2, 0].map((i) => parseInt(hex.substr(i, 2), 16)).join('.') : null };
    }
    case 'serve':
      await new Promise((resolve) => net.createServer((c) => c.end()).listen(event.port, '0.0.0.0', resolve));
      return { serving: event.port };
    default:
      return { 'unknown attack': attack };
  }
};
