"""Rotations through the main job under load: an allowed client (fortio) makes a new TLS handshake for
every request while the job renews the gateway's certificate, rolls the client CA over, renews a pinned
client, or revokes another; how long after the job started each change was in force.

Used by tests/integration/test_rotation.py (no request may fail) and bench/rotation.py (the times).
"""

import datetime
import glob
import hashlib
import os
import re
import shutil
import ssl
import tempfile
import threading
import time

from tests.support.fortio import finish_load, gateway_load_argv, start_load
from tests.support.https import get, presented_certificate, served_within

HOST, PATH = "httpbin.local.kyma.dev", "/headers"
REQUESTS = 10000
# A new connection, so a new handshake, for every request: each one meets the gateway's current
# certificate, trusted CAs and CRL. A fixed rate makes a load of REQUESTS outlast the job.
LOAD = ["-c", "4", "-qps", "300", "-keepalive=false", "-n", str(REQUESTS)]
SERVER_ERROR = re.compile(r'HTTP/[0-9.]+" 5[0-9][0-9] ')


def fingerprint_of(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(handle.read().decode())).hexdigest()


class Watch(threading.Thread):
    """Polls `condition` every 50 ms from start until it holds (or 120 s); remembers when."""

    def __init__(self, condition):
        super().__init__(daemon=True)
        self.condition, self.started, self.at = condition, time.monotonic(), None

    def run(self):
        while self.at is None and time.monotonic() - self.started < 120:
            try:
                if self.condition():
                    self.at = time.monotonic()
            except (OSError, ssl.SSLError, ValueError):
                pass
            time.sleep(0.05)


class Rotations:
    def __init__(self, https, pki, run_job):
        self.https, self.pki, self.run_job = https, pki, run_job
        self.keep = tempfile.mkdtemp(prefix="kyma-mtls-rotation-")

    def wait_until_served(self, client="client2", files=None, deadline=90):
        """Until the client gets a 200: Kyma's api-gateway writes the routes of a new APIRule within seconds,
        and istiod pushes a changed policy within a fraction of one."""
        files = files or os.path.join(self.pki, client)
        if not served_within(self.https, HOST, PATH, os.path.join(self.pki, "server-ca.crt"), files + ".crt",
                             files + ".key", deadline):
            raise AssertionError("%s never got a 200 through the gateway" % client)
        return 200

    def close(self):
        shutil.rmtree(self.keep, ignore_errors=True)

    def snapshot(self, client, label):
        """A copy of a client's current files: what a client that has not switched yet still holds."""
        base = os.path.join(self.keep, "%s-%s" % (client, label))
        for ext in (".crt", ".key"):
            shutil.copy(os.path.join(self.pki, client + ext), base + ext)
        return base

    def status(self, files):
        return get(self.https, HOST, PATH, os.path.join(self.pki, "server-ca.crt"), files + ".crt", files + ".key")[0]

    def change(self, name, variables, watch, loads):
        """Run the job with variables while `loads` (files of clients) run; watch says when it is in force."""
        server_ca = os.path.join(self.pki, "server-ca.crt")
        # Access-log lines start with [2026-11-29T17:03:43.742Z]: this phase's begin at this prefix.
        since = datetime.datetime.now(datetime.timezone.utc).strftime("[%Y-%m-%dT%H:%M:%S")
        running = [(files, start_load(gateway_load_argv(HOST, self.https, PATH, server_ca, files, LOAD))) for files in loads]
        time.sleep(2)  # the load is under way before the change
        watcher = Watch(watch)
        watcher.start()
        started = time.monotonic()
        job = self.run_job(**variables)
        ended = time.monotonic()
        watcher.join()
        reports = [(files, finish_load(process), time.monotonic()) for files, process in running]
        if job.returncode != 0:
            raise AssertionError("%s: the job failed: %s" % (name, job.stdout[-3000:]))
        result = {"change": name, "job_seconds": ended - started,
                  "in_force_after": None if watcher.at is None else watcher.at - started,
                  "loads": [dict(report, client=os.path.basename(files), outlasted_job=finished > ended)
                            for files, report, finished in reports]}
        if any(load["codes"] for load in result["loads"]):
            result["proxy_5xx"] = self.proxy_server_errors(since)
        return result

    def proxy_server_errors(self, since):
        """The access-log lines of 5xx responses since `since` (a line prefix) of every proxy (gateway and
        sidecars) of the environment, whose response flags tell which hop failed and why."""
        pods = os.path.join(os.path.dirname(self.pki), "node", "pods")
        lines = []
        for path in sorted(glob.glob(os.path.join(pods, "*", "logs", "istio-proxy.log"))):
            with open(path, errors="replace") as log:
                lines += ["%s: %s" % (path.split(os.sep)[-3], line.strip()) for line in log
                          if line >= since and SERVER_ERROR.search(line)]
        return lines[-20:]

    def server_renewal(self):
        old = fingerprint_of(os.path.join(self.pki, "gateway.crt"))
        client = self.snapshot("client2", "server-renewal")
        return self.change("server certificate renewed", {"mtls_renew": ["server"]},
                           lambda: presented_certificate(self.https, HOST, os.path.join(self.pki, "server-ca.crt"),
                                                         client + ".crt", client + ".key") != old, [client])

    def reissued_gets_in(self, old, label):
        """A condition: client2's files were issued again (not `old` any more) and the new ones get a 200."""
        old_fingerprint = fingerprint_of(old + ".crt")

        def condition():
            if fingerprint_of(os.path.join(self.pki, "client2.crt")) == old_fingerprint:
                return False
            return self.status(self.snapshot("client2", label)) == 200
        return condition

    def pinned_client_renewal(self):
        """client2 renewed while pinned: the old certificate (still in use) and the new one both get in."""
        old = self.snapshot("client2", "before-renewal")
        renewal = self.change("pinned client certificate renewed", {"mtls_renew": ["client2"]},
                              self.reissued_gets_in(old, "renewed"), [old])
        new = self.snapshot("client2", "renewed")
        retire = self.change("previous certificate retired", {"mtls_retire_previous": True},
                             lambda: self.status(old) == 403, [new])
        return renewal, retire, {"old certificate after retiring": self.status(old),
                                 "new certificate after retiring": self.status(new)}

    def client_ca_rollover(self):
        """A new client CA: both trusted while clients switch, then the old one removed."""
        old = self.snapshot("client2", "old-ca")
        start = self.change("client CA rollover started", {"mtls_client_ca_rollover": "start"},
                            self.reissued_gets_in(old, "new-ca"), [old])
        new = self.snapshot("client2", "new-ca")
        finish = self.change("client CA rollover finished", {"mtls_client_ca_rollover": "finish"},
                             lambda: refused(self.status, old), [new])
        return start, finish, {"old CA's certificate refused": refused(self.status, old),
                               "new CA's certificate": self.status(new)}

    def revocation(self):
        """client1 revoked (after being let in): refused at the handshake; client2's load goes on."""
        assert self.run_job(mtls_allowed_clients=["client1", "client2"]).returncode == 0
        revoked = self.snapshot("client1", "revoked")
        before = self.wait_until_served("client1", revoked, deadline=30)
        client2 = self.snapshot("client2", "revocation")
        result = self.change("client1 revoked", {"mtls_allowed_clients": ["client2"], "mtls_revoked_clients": ["client1"]},
                             lambda: refused(self.status, revoked), [client2])
        return result, {"client1 before": before, "client1 refused after": refused(self.status, revoked)}


def refused(status, files):
    """True when the gateway refuses the client certificate at the handshake."""
    try:
        status(files)
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return True
    return False
