"""Make the local node's agent (a plain Python package the node role copies to the host) importable
as node_agent, the way the node runs it."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
FILES = os.path.join(REPO, "localenv", "roles", "node", "files")

if FILES not in sys.path:
    sys.path.insert(0, FILES)
