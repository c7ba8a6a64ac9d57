"""HTTPS requests that present a client certificate, over a real TLS handshake."""

import hashlib
import http.client
import json
import socket
import ssl
import time


class _LoopbackConnection(http.client.HTTPSConnection):
    """Connects to 127.0.0.1 but uses the virtual host name for SNI, the certificate check and Host."""

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def get(port, host, path, ca, cert=None, key=None, headers=None, method="GET"):
    """(status, headers dict, body text) of a request (GET by default) to https://host:port/path."""
    context = ssl.create_default_context(cafile=ca)
    if cert:
        context.load_cert_chain(cert, key)
    connection = _LoopbackConnection(host, port, context=context, timeout=10)
    # The Host a client of the gateway's port 443 sends (the load balancer's local port is not the
    # gateway's): Istio matches AuthorizationPolicy hosts, such as the api-gateway's, on it.
    headers = dict({"Host": host}, **(headers or {}))
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8")
    finally:
        connection.close()


def served_within(port, host, path, ca, cert, key, seconds):
    """Whether the client gets a 200 within the given time. A timeout, reset or refused handshake
    means "not yet": Kyma's api-gateway writes an APIRule's routes seconds after it is applied, and
    until new pods are ready the gateway may hold a request up to its 10 s connect timeout."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if get(port, host, path, ca, cert, key)[0] == 200:
                return True
        except (OSError, ssl.SSLError):
            pass
        time.sleep(0.5)
    return False


def echoed_headers(port, host, ca, cert, key):
    """The request headers httpbin saw, as its /headers endpoint reports them."""
    status, dummy, body = get(port, host, "/headers", ca, cert, key)
    assert status == 200, body
    return json.loads(body)["headers"]


def presented_certificate(port, host, ca, cert, key):
    """SHA-256 (hex) of the certificate the gateway presents for host, over a fresh handshake."""
    context = ssl.create_default_context(cafile=ca)
    context.load_cert_chain(cert, key)
    with socket.create_connection(("127.0.0.1", port), 10) as sock:
        with context.wrap_socket(sock, server_hostname=host) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()
