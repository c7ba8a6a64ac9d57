"""A pod's volumes as files in folders of the pod, and the links containers see them through."""

import base64
import os
import stat

import pytest

from node_agent.volumes import VolumeError, decode_secret, link_files, link_mounts, materialize, volume_files

POD = {
    "metadata": {"name": "istio-ingressgateway-74ddbff6d6-whc4h", "namespace": "istio-system", "uid": "u-1",
                 "labels": {"app": "istio-ingressgateway", "istio": "ingressgateway"},
                 "annotations": {"sidecar.istio.io/inject": "false"}},
    "spec": {"serviceAccountName": "istio-ingressgateway-service-account",
             "containers": [{"name": "istio-proxy", "image": "istio/proxyv2:1.31",
                             "resources": {"limits": {"cpu": "2", "memory": "1Gi"}}}]},
    "status": {"podIP": "100.80.1.7"},
}


class Fetch:
    """The objects of the pod's namespace, and the tokens asked for."""

    def __init__(self, config_maps=None, secrets=None):
        self.config_maps = config_maps or {}
        self.secrets = secrets or {}
        self.tokens = []

    def config_map(self, name, optional):
        if name not in self.config_maps:
            assert optional, "a missing ConfigMap that is not optional fails in fetch itself"
            return None
        return self.config_maps[name]

    def secret(self, name, optional):
        if name not in self.secrets:
            assert optional, "a missing Secret that is not optional fails in fetch itself"
            return None
        return self.secrets[name]

    def token(self, service_account, audience, seconds):
        self.tokens.append((service_account, audience, seconds))
        return "token-for-%s-%s" % (service_account, audience)


ROOT_CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
FETCH = Fetch(config_maps={"istio-ca-root-cert": {"root-cert.pem": ROOT_CERT},
                           "istio": {"mesh": "defaultConfig: {}\n", "meshNetworks": "networks: {}\n"}},
              secrets={"gateway-cert": {"tls.crt": b"CERT", "tls.key": b"KEY", "ca.crt": b"CA"}})


# ---- volume_files -----------------------------------------------------------------------------

def test_an_empty_dir_has_no_files_to_write():
    assert volume_files({"name": "istio-data", "emptyDir": {}}, POD, FETCH, {}) is None


def test_a_config_map_with_all_its_keys():
    volume = {"name": "istio-ca-root-cert", "configMap": {"name": "istio-ca-root-cert"}}
    assert volume_files(volume, POD, FETCH, {}) == {"root-cert.pem": ROOT_CERT}


def test_a_config_map_with_items_under_their_paths():
    volume = {"name": "config", "configMap": {"name": "istio", "items": [{"key": "mesh", "path": "conf/mesh.yaml"}]}}
    assert volume_files(volume, POD, FETCH, {}) == {"conf/mesh.yaml": "defaultConfig: {}\n"}


def test_a_missing_item_key_names_the_volume_and_key():
    volume = {"name": "config", "configMap": {"name": "istio", "items": [{"key": "absent", "path": "a"}]}}
    with pytest.raises(VolumeError, match="volume config: key absent is missing"):
        volume_files(volume, POD, FETCH, {})


def test_an_optional_missing_config_map_is_an_empty_volume():
    volume = {"name": "extra", "configMap": {"name": "absent", "optional": True}}
    assert volume_files(volume, POD, FETCH, {}) == {}


def test_a_secret_through_fetch():
    volume = {"name": "credential", "secret": {"secretName": "gateway-cert"}}
    assert volume_files(volume, POD, FETCH, {}) == {"tls.crt": b"CERT", "tls.key": b"KEY", "ca.crt": b"CA"}
    volume["secret"]["items"] = [{"key": "tls.key", "path": "private/key.pem"}]
    assert volume_files(volume, POD, FETCH, {}) == {"private/key.pem": b"KEY"}


def test_an_optional_missing_secret_is_an_empty_volume():
    volume = {"name": "credential", "secret": {"secretName": "absent", "optional": True}}
    assert volume_files(volume, POD, FETCH, {}) == {}


def test_a_downward_api_volume():
    volume = {"name": "podinfo", "downwardAPI": {"items": [
        {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
        {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}},
        {"path": "cpu-limit", "resourceFieldRef": {"containerName": "istio-proxy", "resource": "limits.cpu",
                                                   "divisor": "1m"}},
    ]}}
    assert volume_files(volume, POD, FETCH, {"cpu": "8"}) == {
        "labels": 'app="istio-ingressgateway"\nistio="ingressgateway"',
        "annotations": 'sidecar.istio.io/inject="false"',
        "cpu-limit": "2000",
    }


def test_a_downward_resource_of_another_container_and_the_first_by_default():
    pod = dict(POD, spec=dict(POD["spec"], containers=[
        {"name": "app", "image": "kong/httpbin", "resources": {"limits": {"memory": "64Mi"}}},
        {"name": "istio-proxy", "image": "istio/proxyv2", "resources": {"limits": {"memory": "1Gi"}}}]))
    volume = {"name": "podinfo", "downwardAPI": {"items": [
        {"path": "proxy", "resourceFieldRef": {"containerName": "istio-proxy", "resource": "limits.memory",
                                               "divisor": "1Mi"}},
        {"path": "default", "resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}},
    ]}}
    assert volume_files(volume, pod, FETCH, {}) == {"proxy": "1024", "default": "64"}


def test_a_projected_volume_as_istio_injects_it():
    fetch = Fetch(config_maps=FETCH.config_maps)
    volume = {"name": "istio-token", "projected": {"sources": [
        {"serviceAccountToken": {"audience": "istio-ca", "expirationSeconds": 43200, "path": "istio-token"}},
        {"configMap": {"name": "istio-ca-root-cert", "items": [{"key": "root-cert.pem", "path": "root-cert.pem"}]}},
        {"downwardAPI": {"items": [{"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]}},
        {"configMap": {"name": "absent", "optional": True}},
    ]}}
    assert volume_files(volume, POD, fetch, {}) == {
        "istio-token": "token-for-istio-ingressgateway-service-account-istio-ca",
        "root-cert.pem": ROOT_CERT,
        "name": "istio-ingressgateway-74ddbff6d6-whc4h",
    }
    assert fetch.tokens == [("istio-ingressgateway-service-account", "istio-ca", 43200)]


def test_a_projected_token_of_a_pod_without_service_account_is_for_default_for_an_hour():
    fetch = Fetch()
    pod = dict(POD, spec={"containers": POD["spec"]["containers"]})
    volume = {"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}
    assert volume_files(volume, pod, fetch, {}) == {"token": "token-for-default-None"}
    assert fetch.tokens == [("default", None, 3600)]


def test_a_projected_secret():
    volume = {"name": "certs", "projected": {"sources": [
        {"secret": {"name": "gateway-cert", "items": [{"key": "ca.crt", "path": "ca.pem"}]}}]}}
    assert volume_files(volume, POD, FETCH, {}) == {"ca.pem": b"CA"}


def test_an_unsupported_projected_source_names_the_volume():
    volume = {"name": "bundle", "projected": {"sources": [{"clusterTrustBundle": {"path": "b"}}]}}
    with pytest.raises(VolumeError, match=r"volume bundle: projected source \['clusterTrustBundle'\] is not supported"):
        volume_files(volume, POD, FETCH, {})


@pytest.mark.parametrize("volume, kinds", [
    ({"name": "host", "hostPath": {"path": "/var/run"}}, "hostPath"),
    ({"name": "claim", "persistentVolumeClaim": {"claimName": "data"}}, "persistentVolumeClaim"),
    ({"name": "nothing"}, ""),
])
def test_unsupported_volume_types_name_the_volume(volume, kinds):
    with pytest.raises(VolumeError) as caught:
        volume_files(volume, POD, FETCH, {})
    assert str(caught.value) == "volume %s: %s volumes are not supported on the local node" % (volume["name"], kinds)


# ---- decode_secret ----------------------------------------------------------------------------

def test_secret_data_is_decoded_to_bytes():
    data = {"tls.crt": base64.b64encode(b"CERT").decode(), "binary": base64.b64encode(b"\x00\xff").decode()}
    assert decode_secret(data) == {"tls.crt": b"CERT", "binary": b"\x00\xff"}


def test_a_secret_without_data_is_empty():
    assert decode_secret(None) == {} and decode_secret({}) == {}


# ---- materialize ------------------------------------------------------------------------------

def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def test_materialize_writes_files_then_reports_no_change(tmp_path):
    folder = str(tmp_path / "volumes" / "istio-token")
    files = {"istio-token": "t1", "root-cert.pem": ROOT_CERT, "nested/dir/key": b"\x00bytes"}
    assert materialize(folder, files) is True
    assert read(os.path.join(folder, "istio-token")) == b"t1"
    assert read(os.path.join(folder, "root-cert.pem")) == ROOT_CERT.encode()
    assert read(os.path.join(folder, "nested", "dir", "key")) == b"\x00bytes"
    assert materialize(folder, files) is False
    assert sorted(os.listdir(folder)) == ["istio-token", "nested", "root-cert.pem"]  # no .tmp left behind


def test_materialize_rewrites_a_changed_file(tmp_path):
    folder = str(tmp_path / "token")
    materialize(folder, {"token": "old"})
    assert materialize(folder, {"token": "new"}) is True
    assert read(os.path.join(folder, "token")) == b"new"


def test_materialized_files_are_readable_by_everyone(tmp_path):
    folder = str(tmp_path / "v")
    old = os.umask(0o077)
    try:
        materialize(folder, {"a": "x", "sub/b": b"y"})
    finally:
        os.umask(old)
    for name in ("a", os.path.join("sub", "b")):
        assert stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) == 0o644


def test_an_empty_dir_folder_is_created_and_left_alone(tmp_path):
    folder = str(tmp_path / "istio-data")
    assert materialize(folder, None) is False
    assert os.path.isdir(folder) and os.listdir(folder) == []


@pytest.mark.parametrize("relative", ["../escaped", "a/../../escaped", "/etc/passwd", ".", ""])
def test_a_path_escaping_the_folder_is_refused(tmp_path, relative):
    folder = str(tmp_path / "v")
    with pytest.raises(VolumeError, match="would land outside its volume"):
        materialize(folder, {relative: "x"})
    assert not os.path.exists(tmp_path / "escaped")


def test_a_folder_spelled_with_a_trailing_slash_or_dots_takes_its_files(tmp_path):
    # The pod's folder comes from the configured state_dir, which may be spelled any way.
    assert materialize(str(tmp_path / "v") + "/", {"token": "t"}) is True
    assert materialize(str(tmp_path / "x" / ".." / "w"), {"token": "t"}) is True
    assert read(tmp_path / "v" / "token") == b"t" and read(tmp_path / "w" / "token") == b"t"


def test_a_relative_folder_takes_its_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert materialize("./state/v", {"token": "t"}) is True
    assert read(tmp_path / "state" / "v" / "token") == b"t"


# ---- link_mounts ------------------------------------------------------------------------------

def test_mounts_are_links_from_the_container_root_to_the_volume_folders(tmp_path):
    root = str(tmp_path / "rootfs" / "istio-proxy")
    volumes = {"istio-envoy": str(tmp_path / "volumes" / "istio-envoy"),
               "istio-token": str(tmp_path / "volumes" / "istio-token"),
               "podinfo": str(tmp_path / "volumes" / "podinfo")}
    container = {"name": "istio-proxy", "volumeMounts": [
        {"name": "istio-envoy", "mountPath": "/etc/istio/proxy"},
        {"name": "istio-token", "mountPath": "/var/run/secrets/tokens"},
        {"name": "podinfo", "mountPath": "/etc/istio/pod/labels", "subPath": "labels"},
    ]}
    link_mounts(root, container, volumes)
    assert os.readlink(os.path.join(root, "etc", "istio", "proxy")) == volumes["istio-envoy"]
    assert os.readlink(os.path.join(root, "var", "run", "secrets", "tokens")) == volumes["istio-token"]
    assert os.readlink(os.path.join(root, "etc", "istio", "pod", "labels")) == os.path.join(volumes["podinfo"],
                                                                                            "labels")


def test_links_are_replaced_when_they_point_elsewhere_and_kept_otherwise(tmp_path):
    root = str(tmp_path / "root")
    container = {"name": "c", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}
    link_mounts(root, container, {"data": "/first"})
    link_mounts(root, container, {"data": "/first"})
    assert os.readlink(os.path.join(root, "data")) == "/first"
    link_mounts(root, container, {"data": "/second"})
    assert os.readlink(os.path.join(root, "data")) == "/second"


def test_a_mount_of_an_undefined_volume_is_refused(tmp_path):
    container = {"name": "app", "volumeMounts": [{"name": "absent", "mountPath": "/x"}]}
    with pytest.raises(VolumeError, match="container app mounts volume absent, which the pod does not define"):
        link_mounts(str(tmp_path), container, {"data": "/d"})


def test_a_container_without_mounts_links_nothing(tmp_path):
    link_mounts(str(tmp_path / "root"), {"name": "c"}, {})
    assert not os.path.exists(tmp_path / "root")


# ---- link_files -------------------------------------------------------------------------------

def test_image_files_are_links_to_local_files(tmp_path):
    root = str(tmp_path / "root")
    link_files(root, {"var/lib/istio/envoy/envoy_bootstrap_tmpl.json": "/istio/envoy_bootstrap.json",
                      "usr/local/bin/envoy": "/usr/bin/envoy"})
    assert os.readlink(os.path.join(root, "var", "lib", "istio", "envoy", "envoy_bootstrap_tmpl.json")) == \
        "/istio/envoy_bootstrap.json"
    assert os.readlink(os.path.join(root, "usr", "local", "bin", "envoy")) == "/usr/bin/envoy"


def test_image_files_replace_what_was_there(tmp_path):
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "envoy").write_text("old")
    link_files(str(root), {"bin/envoy": "/new/envoy"})
    link_files(str(root), {"bin/envoy": "/newer/envoy"})
    assert os.readlink(root / "bin" / "envoy") == "/newer/envoy"
