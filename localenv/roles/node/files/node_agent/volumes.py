"""A pod's volumes as files, the way the kubelet mounts them, without mounts: each volume is a
folder of the pod, and each container sees it through a link at <container root>/<mountPath>.

Programs that expect /etc/istio/proxy and the like run with their container root as working
directory and use relative paths (pilot-agent does), which is why this is enough here.
"""

import base64
import os
import shutil

from node_agent.env import field_value, resource_value


class VolumeError(ValueError):
    pass


def _items(data, items, volume):
    """The files of a ConfigMap or Secret: every key, or the listed items under their paths."""
    if not items:
        return dict(data)
    files = {}
    for item in items:
        if item["key"] not in data:
            raise VolumeError("volume %s: key %s is missing" % (volume, item["key"]))
        files[item["path"]] = data[item["key"]]
    return files


def _downward(pod, containers, items, allocatable):
    files = {}
    for item in items:
        if "fieldRef" in item:
            files[item["path"]] = field_value(pod, item["fieldRef"]["fieldPath"])
        else:
            ref = item["resourceFieldRef"]
            container = next((c for c in containers if c["name"] == ref.get("containerName")), containers[0])
            files[item["path"]] = resource_value(container, ref, allocatable)
    return files


def volume_files(volume, pod, fetch, allocatable):
    """{relative path: text or bytes} for a volume, or None for an emptyDir (a folder that stays).

    fetch.config_map(name, optional) and fetch.secret(name, optional) return the object's data
    ({key: text} / {key: bytes}, None when optional and missing); fetch.token(service_account,
    audience, seconds) returns a bound service-account token.
    """
    name = volume["name"]
    containers = pod["spec"]["containers"]
    if "emptyDir" in volume:
        return None
    if "configMap" in volume:
        source = volume["configMap"]
        data = fetch.config_map(source["name"], source.get("optional", False))
        return {} if data is None else _items(data, source.get("items"), name)
    if "secret" in volume:
        source = volume["secret"]
        data = fetch.secret(source["secretName"], source.get("optional", False))
        return {} if data is None else _items(data, source.get("items"), name)
    if "downwardAPI" in volume:
        return _downward(pod, containers, volume["downwardAPI"].get("items", []), allocatable)
    if "projected" in volume:
        files = {}
        for source in volume["projected"].get("sources", []):
            if "serviceAccountToken" in source:
                token = source["serviceAccountToken"]
                files[token["path"]] = fetch.token(pod["spec"].get("serviceAccountName", "default"),
                                                   token.get("audience"), token.get("expirationSeconds", 3600))
            elif "configMap" in source:
                data = fetch.config_map(source["configMap"]["name"], source["configMap"].get("optional", False))
                files.update({} if data is None else _items(data, source["configMap"].get("items"), name))
            elif "secret" in source:
                data = fetch.secret(source["secret"]["name"], source["secret"].get("optional", False))
                files.update({} if data is None else _items(data, source["secret"].get("items"), name))
            elif "downwardAPI" in source:
                files.update(_downward(pod, containers, source["downwardAPI"].get("items", []), allocatable))
            else:
                raise VolumeError("volume %s: projected source %s is not supported on the local node"
                                  % (name, sorted(source)))
        return files
    kinds = sorted(k for k in volume if k != "name")
    raise VolumeError("volume %s: %s volumes are not supported on the local node" % (name, ", ".join(kinds)))


def decode_secret(data):
    return {key: base64.b64decode(value) for key, value in (data or {}).items()}


def _write(path, content):
    """Write content to path if it differs, atomically (a reader never sees half a token)."""
    raw = content.encode() if isinstance(content, str) else content
    try:
        with open(path, "rb") as handle:
            if handle.read() == raw:
                return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as handle:
        handle.write(raw)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return True


def materialize(folder, files):
    """Make folder hold files (a dict from volume_files); returns whether anything changed."""
    os.makedirs(folder, exist_ok=True)
    folder = os.path.normpath(folder)  # as target is, whatever way the folder is spelled
    changed = False
    for relative, content in (files or {}).items():
        target = os.path.normpath(os.path.join(folder, relative))
        if not target.startswith(folder + os.sep):
            raise VolumeError("file %s would land outside its volume" % relative)
        changed |= _write(target, content)
    return changed


def link_mounts(root, container, volume_dirs):
    """Links from the container's root to its volumes: <root>/<mountPath> -> volume[/subPath]."""
    for mount in container.get("volumeMounts") or []:
        if mount["name"] not in volume_dirs:
            raise VolumeError("container %s mounts volume %s, which the pod does not define"
                              % (container["name"], mount["name"]))
        target = volume_dirs[mount["name"]]
        if mount.get("subPath"):
            target = os.path.join(target, mount["subPath"])
        link = os.path.join(root, mount["mountPath"].lstrip("/"))
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.islink(link) and os.readlink(link) == target:
            continue
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(target, link)


def link_files(root, files, copies=None):
    """The files an image would contain: <root>/<path> -> a local file (or folder); copies are
    copied instead, once."""
    for relative, source in files.items():
        link = os.path.join(root, relative)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(source, link)
    for relative, source in (copies or {}).items():
        target = os.path.join(root, relative)
        if os.path.lexists(target):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.isdir(source):
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copy2(source, target)
