"""The local node: python -m node_agent CONFIG.json (as root: it creates network namespaces)."""

import json
import signal
import sys
import threading

from node_agent.node import Node
from node_agent.server import serve


def main(argv):
    with open(argv[1]) as handle:
        config = json.load(handle)
    node = Node(config)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        node.run()
        server = serve(node, config["status_port"])
        node.log("node %s ready: pod network %s, status on 127.0.0.1:%d"
                 % (node.name, node.network.network, config["status_port"]))
        stopping.wait()
        server.shutdown()
    finally:
        node.log("stopping every pod")
        node.stop()
        node.log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
