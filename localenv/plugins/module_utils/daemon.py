# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a local server process in the background: start once, find it again, stop it cleanly.

A service is known by its pid file, which also records the command line it was started with; a
pid whose /proc cmdline differs is another process (pids are reused) and is never signalled. The
pid file also keeps a fingerprint of the command, environment and working directory, so that a
service asked to run differently is restarted rather than left as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import time
from http.client import HTTPException

from ansible.module_utils.urls import open_url

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def read_pid_file(path):
    try:
        with open(path) as handle:
            record = json.load(handle)
        return int(record["pid"]), list(record["argv"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, None


def fingerprint(argv, env=None, cwd=None):
    """What a service was asked to run, in a form to compare with the next request."""
    return hashlib.sha256(json.dumps([list(argv), sorted((env or {}).items()), cwd]).encode()).hexdigest()


def recorded_fingerprint(path):
    try:
        with open(path) as handle:
            return json.load(handle).get("fingerprint")
    except (OSError, ValueError, AttributeError):
        return None


def running_pid(pid_file):
    """The pid of the service recorded in pid_file if that very process is alive, else None."""
    pid, argv = read_pid_file(pid_file)
    if pid is None:
        return None
    cmdline = _cmdline(pid)
    if cmdline is None or cmdline != argv:
        return None
    try:
        with open("/proc/%d/stat" % pid) as handle:
            if handle.read().rsplit(")", 1)[1].split()[0] == "Z":  # a zombie has exited
                return None
    except OSError:
        return None
    return pid


def port_in_use(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def tail(path, lines=20):
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 8192))
            return "\n".join(handle.read().decode("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def probe(ready):
    """True when the readiness probe answers: {'port': N} or {'url': ..., 'ca': ..., 'cert': ..., 'key': ...}."""
    if ready.get("url"):
        try:
            response = open_url(ready["url"], timeout=2, ca_path=ready.get("ca"), client_cert=ready.get("cert"),
                                client_key=ready.get("key"))
            return response.status == 200
        except (OSError, ValueError, ConnectionError, HTTPException):
            return False
    return port_in_use(ready["port"])


def start(name, argv, pid_file, log_file, ready, timeout, env=None, cwd=None):
    """Start the service unless it runs; wait until ready. Returns (changed, pid)."""
    pid = running_pid(pid_file)
    if pid is not None:
        wait_ready(name, pid, ready, timeout, log_file)
        return False, pid
    if ready.get("port") and port_in_use(ready["port"]):
        raise MtlsError("%s cannot start: port %d on 127.0.0.1 is already in use by another process"
                        % (name, ready["port"]))
    if not os.access(argv[0], os.X_OK):
        raise MtlsError("%s cannot start: %s is not an executable file" % (name, argv[0]))
    with open(log_file, "ab") as log:
        # A daemon outlives this module: run_command would wait for it.
        process = subprocess.Popen(  # pylint: disable=consider-using-with,ansible-bad-function
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
            env=dict(os.environ, **(env or {})), start_new_session=True, close_fds=True)
    # The argv as given: /proc shows it once exec has happened, which may not be the case yet here.
    record = {"pid": process.pid, "argv": list(argv), "fingerprint": fingerprint(argv, env, cwd)}
    tmp = pid_file + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(record, handle)
    os.replace(tmp, pid_file)
    wait_ready(name, process.pid, ready, timeout, log_file, process)
    return True, process.pid


def wait_ready(name, pid, ready, timeout, log_file, process=None):
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise MtlsError("%s exited with status %s while starting; last lines of %s:\n%s"
                            % (name, process.returncode, log_file, tail(log_file)))
        if process is None and _cmdline(pid) is None:
            raise MtlsError("%s (pid %d) died; last lines of %s:\n%s" % (name, pid, log_file, tail(log_file)))
        if probe(ready):
            return
        if time.monotonic() > deadline:
            raise MtlsError("%s did not become ready within %ds; last lines of %s:\n%s"
                            % (name, timeout, log_file, tail(log_file)))
        time.sleep(0.1)


def stop(pid_file, timeout=15):
    """Stop the service if it runs; remove its pid file. Returns changed."""
    pid = running_pid(pid_file)
    changed = pid is not None
    if pid is not None:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while running_pid(pid_file) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        if running_pid(pid_file) is not None:
            os.killpg(pid, signal.SIGKILL)
    if os.path.exists(pid_file):
        os.unlink(pid_file)
    return changed
