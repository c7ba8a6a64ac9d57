"""Last resort of `make down`: kill whatever still runs in the node's network namespaces, then
delete them. python -m node_agent.cleanup PREFIX; prints what it had to do (nothing, normally)."""

import os
import signal
import sys
import time

from node_agent import netns


def processes_in(inodes):
    """Pids whose network namespace is one of inodes."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat("/proc/%s/ns/net" % entry).st_ino in inodes:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def clean(prefix, say=print):
    """Kill every process in the namespaces named PREFIX or PREFIX-*, then delete them."""
    names = netns.names_with_prefix(prefix)
    inodes = {os.stat(netns.path(n)).st_ino for n in names}
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = processes_in(inodes)
        for pid in pids:
            say("%s pid %d" % (signal.Signals(sig).name, pid))
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while processes_in(inodes) and time.monotonic() < deadline:
            time.sleep(0.1)
    for name in names:
        say("deleted network namespace %s" % name)
        netns.delete(name)


if __name__ == "__main__":
    clean(sys.argv[1])
    sys.exit(0)
