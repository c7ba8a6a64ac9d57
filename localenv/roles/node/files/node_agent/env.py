"""A container's environment and command line, as the kubelet computes them from the pod."""

import math
import re
from fractions import Fraction

_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


class EnvError(ValueError):
    pass


def expand(text, variables):
    """Kubernetes' $(VAR) expansion: known names are replaced, unknown ones kept, $$ escapes."""
    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return variables[name] if name in variables else match.group(0)
    return _REFERENCE.sub(replace, text)


def field_value(pod, field_path):
    """The value of a downward-API fieldRef."""
    metadata, spec, status = pod["metadata"], pod["spec"], pod.get("status") or {}
    simple = {
        "metadata.name": metadata.get("name", ""),
        "metadata.namespace": metadata.get("namespace", ""),
        "metadata.uid": metadata.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", "default"),
        "status.hostIP": status.get("hostIP", ""),
        "status.podIP": status.get("podIP", ""),
        "status.hostIPs": ",".join(a["ip"] for a in status.get("hostIPs") or []),
        "status.podIPs": ",".join(a["ip"] for a in status.get("podIPs") or []),
    }
    if field_path in simple:
        return simple[field_path]
    match = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", field_path)
    if match:
        return (metadata.get(match.group(1)) or {}).get(match.group(2), "")
    if field_path in ("metadata.labels", "metadata.annotations"):
        items = metadata.get(field_path.split(".")[1]) or {}
        return "\n".join('%s="%s"' % (k, items[k].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n"))
                         for k in sorted(items))
    raise EnvError("fieldRef %s is not supported" % field_path)


_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
_MEMORY = {"": 1, "k": 1000, "M": 1000 ** 2, "G": 1000 ** 3, "T": 1000 ** 4,
           "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4}


def _exact(text, cpu):
    """A resource quantity as an exact fraction: cores for CPU, bytes for memory."""
    text = str(text)
    if cpu:
        match = _CPU.match(text)
        if not match:
            raise EnvError("CPU quantity %r is not supported" % text)
        return Fraction(match.group(1)) / (1000 if match.group(2) else 1)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(k|[MGT]|[KMGT]i|)", text)
    if not match:
        raise EnvError("memory quantity %r is not supported" % text)
    return Fraction(match.group(1)) * _MEMORY[match.group(2)]


def quantity(text, cpu):
    """A resource quantity as a number: cores for CPU, bytes for memory."""
    return float(_exact(text, cpu))


def resource_value(container, ref, allocatable):
    """A resourceFieldRef; a limit that is not set is the node's allocatable, as the kubelet does."""
    kind, name = ref["resource"].split(".", 1)
    cpu = name == "cpu"
    given = ((container.get("resources") or {}).get(kind) or {}).get(name)
    value = _exact(given if given is not None else allocatable.get(name, 0), cpu)
    divisor = _exact(ref.get("divisor", "1"), cpu) or 1
    # The kubelet rounds up: a limit of 100m with divisor 1 is "1". (Exact arithmetic: on floats,
    # 70m / 10m is 7.000000000000001, which would round up to 8.)
    return str(math.ceil(value / divisor))


def container_env(pod, container, lookup, allocatable):
    """{name: value} for the container. lookup(kind, name, key, optional) reads ConfigMaps and Secrets
    (None when missing and optional). Later entries see earlier ones in $(VAR) references."""
    variables = {}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        for kind in ("configMapRef", "secretRef"):
            if kind in source:
                data = lookup(kind[:-3], source[kind]["name"], None, source[kind].get("optional", False)) or {}
                variables.update({prefix + k: v for k, v in data.items()})
    for entry in container.get("env") or []:
        name = entry["name"]
        if "valueFrom" not in entry:
            variables[name] = expand(entry.get("value", ""), variables)
            continue
        source = entry["valueFrom"]
        if "fieldRef" in source:
            variables[name] = field_value(pod, source["fieldRef"]["fieldPath"])
        elif "resourceFieldRef" in source:
            variables[name] = resource_value(container, source["resourceFieldRef"], allocatable)
        elif "configMapKeyRef" in source or "secretKeyRef" in source:
            kind = "configMapKeyRef" if "configMapKeyRef" in source else "secretKeyRef"
            ref = source[kind]
            value = lookup(kind[:-6], ref["name"], ref["key"], ref.get("optional", False))
            if value is not None:
                variables[name] = value
        else:
            raise EnvError("env %s: valueFrom %s is not supported" % (name, sorted(source)))
    return variables


def command_line(entrypoint, default_args, container, variables):
    """What runs, as a container runtime decides it: the container's command replaces the image's
    entrypoint (and its default arguments), its args replace the default arguments; then $(VAR)."""
    command = container.get("command")
    args = container.get("args")
    if command:
        argv = list(command) + list(args or [])
    else:
        argv = list(entrypoint) + list(default_args if args is None else args)
    return [expand(part, variables) for part in argv]
