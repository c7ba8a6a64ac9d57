"""The main job's clients by name, from what it publishes (mtls_result)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kyma.mtls.plugins.filter.job import job_clients

RESULT = {"pki_dir": "/srv/pki", "client_names": ["client1", "client2", "client3"], "allowed": ["client3", "client2"],
          "allowed_subjects": ["O=example,CN=client3.example.com", "O=example,CN=client2.example.com"], "revoked": []}


def test_each_client_has_its_files_and_the_allowed_ones_their_subjects():
    clients = job_clients(RESULT)
    assert list(clients) == ["client1", "client2", "client3"]
    assert clients["client1"] == {"name": "client1", "path": "/srv/pki/client1.crt", "private_key_path": "/srv/pki/client1.key"}
    assert clients["client3"]["subject"] == "O=example,CN=client3.example.com"
    assert clients["client2"]["subject"] == "O=example,CN=client2.example.com"


def test_provided_clients_have_the_files_they_were_given():
    files = {"client1": {"path": "/corp/a.pem", "private_key_path": None},
             "client2": {"path": "/corp/b.pem", "private_key_path": "/corp/b.key"}}
    clients = job_clients(dict(RESULT, client_files=files))
    assert clients["client1"] == {"name": "client1", "path": "/corp/a.pem", "private_key_path": None}
    assert clients["client2"]["path"] == "/corp/b.pem" and clients["client2"]["subject"] == "O=example,CN=client2.example.com"
    assert clients["client3"]["path"] == "/srv/pki/client3.crt"  # not provided: where the job issues


@pytest.mark.parametrize("result", [None, [], {"pki_dir": "/srv/pki"},
                                    {k: v for k, v in RESULT.items() if k != "allowed_subjects"}])
def test_anything_but_the_main_jobs_result_is_refused(result):
    with pytest.raises(AnsibleFilterError, match="expects the main job's mtls_result"):
        job_clients(result)
