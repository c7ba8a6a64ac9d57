"""Start a server process, wait until it answers, and always stop it."""

import os
import random
import socket
import subprocess
import time


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as handle:
            low, high = (int(n) for n in handle.read().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


_TAKEN = set()


def free_port():
    """A free port below the ephemeral range: a port from that range may be taken as the source port
    of some outgoing connection (to the apiserver, say) before the server meant to listen on it starts."""
    low = _ephemeral_range()[0]
    while True:
        port = random.randint(10000, low - 1)
        if port in _TAKEN:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _TAKEN.add(port)
        return port


def wait_for_port(port, timeout=30.0, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError("process exited with %s before listening on %d" % (process.returncode, port))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("nothing listened on 127.0.0.1:%d within %.0fs" % (port, timeout))


class Server:
    """A child process with its output in a log file; a context manager that stops it."""

    def __init__(self, argv, log_path, port, env=None):
        self.argv = argv
        self.log_path = log_path
        self.port = port
        self.env = dict(os.environ, **(env or {}))
        self.process = None

    def __enter__(self):
        log = open(self.log_path, "wb")  # pylint: disable=consider-using-with  # closed in __exit__
        self._log = log
        self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        try:
            wait_for_port(self.port, process=self.process)
        except Exception:
            self.__exit__(None, None, None)
            raise RuntimeError("%s did not start; log:\n%s" % (self.argv[0], self.log()))
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def log(self):
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")[-4000:]
