"""TCP forwarding between network namespaces, on one asyncio loop in its own thread.

Three uses: the load balancer (a port on the host's 127.0.0.1, or a unix socket, to a Service's
endpoints in the pod network); links from inside a pod to a port on the host's 127.0.0.1 (how a pod
reaches istiod, which listens on the host's loopback only); and an HTTP CONNECT proxy inside each
pod for HTTPS out of the pod network (how a Function's `npm install` reaches the npm registry).
"""

import asyncio
import contextlib
import os
import socket
import threading

from node_agent import netns

BUFFER = 64 * 1024


async def _pipe(reader, writer):
    try:
        while True:
            data = await reader.read(BUFFER)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()


async def _splice(client_reader, client_writer, upstream):
    """Copy both ways until both sides have finished; upstream is a connected socket."""
    try:
        up_reader, up_writer = await asyncio.open_connection(sock=upstream)
    except OSError:
        client_writer.close()
        return
    try:
        await asyncio.gather(_pipe(client_reader, up_writer), _pipe(up_reader, client_writer))
    finally:
        for writer in (client_writer, up_writer):
            writer.close()


class Forwarder:
    """Listeners keyed by a name, so they can be removed with what they belong to (a pod)."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.servers = {}
        self.thread = threading.Thread(target=self.loop.run_forever, name="forward", daemon=True)
        self.thread.start()

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    async def _connect(self, target):
        """target() -> (namespace or None, (host, port)) of where to connect now."""
        namespace, address = target()
        sock = netns.socket_in(namespace) if namespace else socket.socket()
        sock.setblocking(False)
        try:
            await self.loop.sock_connect(sock, address)
        except OSError:
            sock.close()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _proxy_handler(self, ports):
        """HTTP CONNECT to host:port (a port of ports) from the host's network namespace."""
        async def handle(reader, writer):
            try:
                request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                method, authority = request.split(b" ", 2)[:2]
                host, port = authority.decode("ascii").rsplit(":", 1)
                if method != b"CONNECT" or int(port) not in ports:
                    writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    writer.close()
                    return
                up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 15)
            except (OSError, ValueError, asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                with contextlib.suppress(OSError, RuntimeError):
                    writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                    writer.close()
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            try:
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            finally:
                for each in (writer, up_writer):
                    each.close()
        return handle

    def _handler(self, target):
        async def handle(reader, writer):
            client = writer.get_extra_info("socket")
            if client is not None and client.family != socket.AF_UNIX:
                # Without it a small write can wait for the peer's delayed ACK: 40 ms stalls.
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                upstream = await self._connect(target)
            except (OSError, LookupError):
                writer.close()
                return
            await _splice(reader, writer, upstream)
        return handle

    async def _listen(self, key, listen, target, namespace, proxy_ports=None):
        handler = self._proxy_handler(proxy_ports) if proxy_ports else self._handler(target)
        if listen.startswith("unix:"):
            path = listen[len("unix:"):]
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            server = await asyncio.start_unix_server(handler, path=path)
            os.chmod(path, 0o600)
        else:
            host, port = listen.rsplit(":", 1)
            sock = netns.socket_in(namespace) if namespace else socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, int(port)))
            except OSError as error:
                sock.close()
                raise OSError(error.errno, "cannot listen on %s: %s" % (listen, error.strerror)) from None
            sock.setblocking(False)
            server = await asyncio.start_server(handler, sock=sock)
        self.servers.setdefault(key, []).append(server)

    def listen(self, key, listen, target, namespace=None, proxy_ports=None):
        """Accept on listen ("host:port", in namespace or the host's; or "unix:/path") and forward
        each connection to target(), or with proxy_ports, serve HTTP CONNECT to those ports.
        Raises OSError when the address cannot be bound."""
        self._call(self._listen(key, listen, target, namespace, proxy_ports))

    async def _close(self, key):
        for server in self.servers.pop(key, []):
            server.close()
            for sock in server.sockets or []:
                if sock.family == socket.AF_UNIX:
                    with contextlib.suppress(OSError):
                        os.unlink(sock.getsockname())
            # Open connections are left to end on their own (since 3.12 wait_closed waits for them).
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 1)

    def close(self, key):
        self._call(self._close(key))

    def stop(self):
        for key in list(self.servers):
            self.close(key)
        self.loop.call_soon_threadsafe(self.loop.stop)
