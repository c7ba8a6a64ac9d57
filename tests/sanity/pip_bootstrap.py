"""Stand-in for ansible-test's pip bootstrap script, which it downloads from a host we cannot reach.

ansible-test runs this inside each empty virtual environment it makes for a sanity test, with pip's
arguments (for example ``pip==24.2 --no-setuptools --no-wheel``). Python's own ensurepip provides a
pip, which then installs the requested version from PyPI. `make sanity` copies this file to the
path where ansible-test looks for its cached bootstrap script.
"""

import subprocess
import sys

# ensurepip runs in its own process: it points PIP_CONFIG_FILE at /dev/null in the environment of
# the process that calls it, which would hide the machine's pip configuration (index, CA bundle).
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
PIP_ARGS = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--quiet"] + PIP_ARGS))
