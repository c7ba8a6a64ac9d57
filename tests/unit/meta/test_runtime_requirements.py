"""meta/ee-requirements.txt, what ansible-builder installs for the collection: minimum versions only (an
execution environment combines the files of many collections), and the same minimums the code checks."""

import os
import re

from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import CRYPTOGRAPHY_MINIMUM

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def requirements():
    with open(os.path.join(REPO, "meta", "ee-requirements.txt")) as handle:
        lines = [line.split("#")[0].strip() for line in handle]
    return dict(re.match(r"^([A-Za-z0-9_.-]+)(.*)$", line).groups() for line in lines if line)


def test_only_minimum_versions():
    assert all(not spec or re.match(r"^>=[0-9.]+$", spec) for spec in requirements().values()), requirements()


def test_the_minimums_the_code_checks():
    assert requirements()["cryptography"] == ">=" + CRYPTOGRAPHY_MINIMUM
    with open(os.path.join(REPO, "plugins", "modules", "apply.py")) as handle:
        assert "kubernetes %s (Python library)" % requirements()["kubernetes"].replace(">=", ">= ") in handle.read()
