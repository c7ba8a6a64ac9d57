"""Which container images this node can run, and how: there is no container runtime, so each image
it knows is mapped to local programs (an "image" here is an entrypoint, default arguments, paths
inside the image that point to local programs, and files the image would contain).

The table comes from the node's configuration; placeholders like {pilot_agent} name local binaries.
An entry's files are linked into the container's root; its copies are copied there (for programs
that resolve paths from their own real location, such as Node.js modules).
"""

import re


class NotRunnable(Exception):
    """The image, or the way the container uses it, cannot be run on this node; says why."""


def repository(image):
    """docker.io/istio/proxyv2:1.31 -> istio/proxyv2 (registry, tag and digest dropped)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name.rsplit(":", 1)[0]
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if len(parts) == 1:
        parts = ["library"] + parts
    return "/".join(parts)


class ImageTable:
    def __init__(self, entries, binaries):
        self.entries = [dict(e, pattern=re.compile(e["match"])) for e in entries]
        self.binaries = binaries

    def _fill(self, text):
        try:
            return text.format(**self.binaries)
        except KeyError as missing:
            raise NotRunnable("the image table names an unknown local binary %s" % missing)

    def find(self, image):
        name = repository(image)
        for entry in self.entries:
            if entry["pattern"].search(name):
                return entry
        known = ", ".join(sorted({e["name"] for e in self.entries}))
        raise NotRunnable("image %s is not runnable on the local node (it runs: %s)" % (image, known))

    def plan(self, container):
        """{'image': name, 'entrypoint', 'default_args', 'files'} for the container, with its
        command's first element (a path inside the image) mapped to a local program."""
        entry = self.find(container["image"])
        command = container.get("command")
        if entry.get("fixed_command") and (command or container.get("args") is not None):
            raise NotRunnable("container %s: image %s runs as the image defines it; its command and args cannot be "
                              "changed on the local node" % (container["name"], container["image"]))
        paths = {k: self._fill(v) for k, v in (entry.get("paths") or {}).items()}
        if command:
            if command[0] not in paths:
                raise NotRunnable("container %s: %s is not a program the local stand-in of %s has (it has: %s)"
                                  % (container["name"], command[0], entry["name"], ", ".join(sorted(paths)) or "none"))
            container = dict(container, command=[paths[command[0]]] + list(command[1:]))
        return {
            "image": entry["name"],
            "container": container,
            "entrypoint": [self._fill(a) for a in entry.get("entrypoint", [])],
            "default_args": [self._fill(a) for a in entry.get("args", [])],
            "files": {k: self._fill(v) for k, v in (entry.get("files") or {}).items()},
            "copies": {k: self._fill(v) for k, v in (entry.get("copies") or {}).items()},
            # The image's own environment ({root}: the container's root folder), under the container's.
            "env": dict(entry.get("env") or {}),
        }
