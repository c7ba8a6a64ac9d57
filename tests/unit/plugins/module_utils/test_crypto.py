"""Which cryptography the modules and filters accept: 42.0 and later, with a message naming both versions."""

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import (
    CRYPTOGRAPHY_MINIMUM, CRYPTOGRAPHY_PROBLEM, cryptography_problem)


@pytest.mark.parametrize("version", ["42.0.0", "42.0.8", "43.0.0rc1", "50.0.2", "100.1"])
def test_supported_versions(version):
    assert cryptography_problem(version, None) is None


@pytest.mark.parametrize("version", ["38.0.4", "41.0.7", "3.4.8", "42"])
def test_older_versions_are_named(version):
    expected = "the Python library cryptography >= 42.0 is required, found %s" % version
    assert cryptography_problem(version, None) == (None if version == "42" else expected)


def test_a_failed_import_is_named():
    assert cryptography_problem(None, "Traceback ...") == (
        "the Python library cryptography >= %s is required and could not be imported" % CRYPTOGRAPHY_MINIMUM)


def test_the_library_of_the_tests_is_supported():
    assert CRYPTOGRAPHY_PROBLEM is None
