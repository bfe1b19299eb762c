"""A function that attacks its own sandbox; each event names one attack and it reports what happened."""
import os
import socket
import time


def _probe(path, write):
    try:
        if write:
            with open(path, 'w') as f:
                f.write('x')
        elif os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, 'rb') as f:
                f.read(1)
        return 'allowed'
    except OSError as e:
        return 'errno %d' % e.errno


def handler(event, context):
    attack = event['attack']
    if attack == 'look':
        return {'pids': sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
                'hostname': socket.gethostname(), 'uid': os.getuid(), 'gid': os.getgid()}
    if attack == 'read':
        return {path: _probe(path, False) for path in event['paths']}
    if attack == 'write':
        return {path: _probe(path, True) for path in event['paths']}
    if attack == 'mark-tmp':
        with open('/tmp/' + event['marker'], 'w') as f:
            f.write('mine')
        return sorted(os.listdir('/tmp'))
    if attack == 'fill-tmp':
        written = 0
        chunk = b'x' * (1 << 20)
        try:
            with open('/tmp/fill', 'wb') as f:
                while written < (1 << 30):
                    f.write(chunk)
                    f.flush()
                    written += len(chunk)
        except OSError as e:
            return {'written': written, 'errno': e.errno}
        finally:
            os.remove('/tmp/fill')
        return {'written': written, 'errno': 0}
    if attack == 'memory':
        hog = []
        while True:
            hog.append(bytearray(16 << 20))
    if attack == 'fork-bomb':
        children = 0
        try:
            while children < 100000:
                if os.fork() == 0:
                    time.sleep(600)
                    os._exit(0)
                children += 1
        except OSError as e:
            return {'children': children, 'errno': e.errno}
        return {'children': children, 'errno': 0}
    if attack == 'spin':
        wall = time.monotonic()
        cpu = time.process_time()
        while time.monotonic() - wall < event['seconds']:
            pass
        return {'cpu': time.process_time() - cpu, 'wall': time.monotonic() - wall}
    if attack == 'connect':
        results = {}
        for host in event['hosts']:
            try:
                socket.create_connection((host, event['port']), timeout=1).close()
                results[host] = 'connected'
            except OSError as e:
                results[host] = 'errno %s' % e.errno
        return results
    if attack == 'address':
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.connect(('192.0.2.1', 9))  # no packet is sent: this only picks the route
            address = probe.getsockname()[0]
        except OSError as e:
            address = 'errno %d' % e.errno
        finally:
            probe.close()
        with open('/proc/net/route') as f:
            gateways = [line.split()[2] for line in f.read().splitlines()[1:] if line.split()[1] == '00000000']
        gateway = '.'.join(str(int(gateways[0][i:i + 2], 16)) for i in (6, 4, 2, 0)) if gateways else None
        return {'address': address, 'gateway': gateway}
    if attack == 'serve':
        import threading
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(('0.0.0.0', event['port']))
        server.listen(8)

        def accept():
            while True:
                server.accept()[0].close()
        threading.Thread(target=accept, daemon=True).start()
        return {'serving': event['port']}
    return {'unknown attack': attack}
