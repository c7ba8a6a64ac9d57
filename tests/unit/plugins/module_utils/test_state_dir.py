"""The default state folder: the collection's variable, the local environment's, XDG, then the home folder;
never inside a collection tree."""

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.state_dir import state_dir

HOME = "/home/user"


@pytest.mark.parametrize("environ,expected", [
    ({}, "/home/user/.local/state/kyma-mtls"),
    ({"XDG_STATE_HOME": "/var/state"}, "/var/state/kyma-mtls"),
    ({"KYMA_MTLS_LOCAL_DIR": "/repo/.local", "XDG_STATE_HOME": "/var/state"}, "/repo/.local"),
    ({"KYMA_MTLS_STATE_DIR": "~/mtls", "KYMA_MTLS_LOCAL_DIR": "/repo/.local"}, "/home/user/mtls"),
    ({"KYMA_MTLS_STATE_DIR": "", "XDG_STATE_HOME": ""}, "/home/user/.local/state/kyma-mtls"),
    ({"KYMA_MTLS_STATE_DIR": "/srv/mtls/../pki-state"}, "/srv/pki-state"),
])
def test_the_first_setting_wins(environ, expected):
    assert state_dir(environ, HOME) == expected


def test_a_folder_inside_a_collection_tree_is_refused():
    with pytest.raises(MtlsError, match=r"inside a collection tree.*set KYMA_MTLS_STATE_DIR"):
        state_dir({"KYMA_MTLS_STATE_DIR": "/c/ansible_collections/kyma/mtls/.local"}, HOME)
