"""Filter kyma.mtls.allowed_identities: what an allow-list pins of the issued clients."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kyma.mtls.plugins.filter.policies import allowed_identities


def test_allowed_identities_pin_the_previous_certificate_too():
    clients = {"a": {"subject": "CN=a", "fingerprint_sha256": "aa"},
               "b": {"subject": "CN=b", "fingerprint_sha256": "bb", "previous": {"fingerprint_sha256": "b0"}}}
    assert allowed_identities(clients, ["b", "a"]) == {"subjects": ["CN=b", "CN=a"], "fingerprints": ["bb", "aa", "b0"]}
    assert allowed_identities(clients, ["a"], False) == {"subjects": ["CN=a"], "fingerprints": []}
    with pytest.raises(AnsibleFilterError, match="no certificate for c"):
        allowed_identities(clients, ["c"])
