"""Delivering a translation through the files Envoy watches."""

import json
import os

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.xds_files import envoy_versions, version_of, write_xds


def test_version_follows_the_content():
    assert version_of([{"a": 1}], []) == version_of([{"a": 1}], [])
    assert version_of([{"a": 1}], []) != version_of([{"a": 2}], [])


def test_files_are_discovery_responses_readable_by_the_owner_only(tmp_path):
    write_xds(str(tmp_path), "v1", [{"name": "l"}], [{"name": "c"}])
    for name, resources in (("lds.json", [{"name": "l"}]), ("cds.json", [{"name": "c"}])):
        path = tmp_path / name
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"
        assert json.loads(path.read_text()) == {"version_info": "v1", "resources": resources}
    assert sorted(os.listdir(tmp_path)) == ["cds.json", "lds.json"]  # no staging files left


def test_an_absent_envoy_is_unreachable():
    assert envoy_versions(1) is None
