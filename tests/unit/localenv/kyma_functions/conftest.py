"""Make the local Kyma Function controller (a plain Python package the kyma role copies to the host)
importable as kyma_functions, together with the node's agent, whose quantity parser it uses."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
FILES = [os.path.join(REPO, "localenv", "roles", "kyma", "files"),
         os.path.join(REPO, "localenv", "roles", "node", "files")]

for files in FILES:
    if files not in sys.path:
        sys.path.insert(0, files)
