# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One Kubernetes API client for a batch (the kubernetes Python library that kubernetes.core uses),
with its errors turned into messages that name the object and the server's reason."""

from __future__ import annotations

import json
import os
import traceback

from ansible_collections.kyma.mtls.plugins.module_utils.batch import reference
from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError

try:
    import urllib3.exceptions
    from kubernetes import config as kube_config
    from kubernetes.dynamic import DynamicClient
    from kubernetes.client.exceptions import ApiException
    from kubernetes.dynamic.exceptions import ResourceNotFoundError
except ImportError:
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()
else:
    KUBERNETES_IMPORT_ERROR = None

# How long one request may take; the API server itself gives up on a request after 60 s.
REQUEST_TIMEOUT = 70


def connect(kubeconfig=None, context=None):
    """A Cluster for the kubeconfig and context (as kubernetes.core: K8S_AUTH_KUBECONFIG and
    K8S_AUTH_CONTEXT, then KUBECONFIG and ~/.kube/config, or the in-cluster service account)."""
    if KUBERNETES_IMPORT_ERROR:
        raise MtlsError("kyma.mtls.apply and kyma.mtls.job need the Python library kubernetes where Ansible runs "
                        "(pip install kubernetes)")
    kubeconfig = kubeconfig or os.environ.get("K8S_AUTH_KUBECONFIG")
    context = context or os.environ.get("K8S_AUTH_CONTEXT")
    try:
        if kubeconfig or os.environ.get("KUBECONFIG") or os.path.exists(os.path.expanduser("~/.kube/config")):
            api_client = kube_config.new_client_from_config(config_file=kubeconfig, context=context)
        else:
            kube_config.load_incluster_config()
            from kubernetes.client import ApiClient
            api_client = ApiClient()
    except (kube_config.ConfigException, OSError, ValueError) as exc:
        raise MtlsError("Cannot use the kubeconfig %s (context %s): %s" % (kubeconfig or "(default)", context or "(current)", exc))
    return Cluster(api_client)


class Cluster:
    """get, apply, delete and list objects as plain dicts; every failure is an MtlsError."""

    def __init__(self, api_client):
        self.host = api_client.configuration.host
        self._api_client = api_client
        self._dynamic = None
        self._resources = {}

    def get(self, obj):
        try:
            return self._call(obj, "read", lambda resource, namespace: self._client.get(
                resource, name=obj["metadata"]["name"], namespace=namespace, _request_timeout=REQUEST_TIMEOUT), missing_ok=True)
        except _NotFound:
            return None

    def apply(self, obj, field_manager, force_conflicts=False, dry_run=False):
        return self._call(obj, "apply", lambda resource, namespace: self._client.server_side_apply(
            resource, body=obj, namespace=namespace, field_manager=field_manager, force_conflicts=force_conflicts,
            dry_run="All" if dry_run else None, _request_timeout=REQUEST_TIMEOUT))

    def delete(self, obj):
        try:
            self._call(obj, "delete", lambda resource, namespace: self._client.delete(
                resource, name=obj["metadata"]["name"], namespace=namespace, _request_timeout=REQUEST_TIMEOUT), missing_ok=True)
        except _NotFound:
            pass

    def list(self, api_version, kind, namespace, label_selector):
        query = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "", "namespace": namespace}}
        found = self._call(query, "list", lambda resource, dummy: self._client.get(
            resource, namespace=namespace, label_selector=label_selector, _request_timeout=REQUEST_TIMEOUT))
        return found.get("items") or []

    @property
    def _client(self):
        if self._dynamic is None:
            self._dynamic = self._guarded("discover the API", lambda: DynamicClient(self._api_client))
        return self._dynamic

    def _resource(self, api_version, kind):
        key = (api_version, kind)
        if key not in self._resources:
            try:
                self._resources[key] = self._guarded("discover %s %s" % (api_version, kind),
                                                     lambda: self._client.resources.get(api_version=api_version, kind=kind),
                                                     missing_ok=True)
            except _NotFound:
                raise MtlsError("The cluster at %s does not serve %s %s (is its CRD installed?)" % (self.host, api_version, kind))
        return self._resources[key]

    def _call(self, obj, verb, request, missing_ok=False):
        resource = self._resource(obj["apiVersion"], obj["kind"])
        namespace = obj["metadata"].get("namespace") if resource.namespaced else None
        if resource.namespaced and not namespace:
            raise MtlsError("%s: metadata.namespace is required for %s" % (reference(obj), obj["kind"]))
        response = self._guarded("%s %s" % (verb, reference(obj)), lambda: request(resource, namespace), missing_ok)
        return response.to_dict() if hasattr(response, "to_dict") else response

    def _guarded(self, what, call, missing_ok=False):
        """call(); with missing_ok a 404 (or an unknown kind) raises _NotFound, any other failure MtlsError."""
        try:
            return call()
        except ResourceNotFoundError:
            if missing_ok:
                raise _NotFound()
            raise MtlsError("Cannot %s: the cluster does not serve that kind" % what)
        except ApiException as exc:
            if missing_ok and exc.status == 404:
                raise _NotFound()
            raise MtlsError("Cannot %s: %s" % (what, _server_message(exc)))
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise MtlsError("Cannot %s: the API server at %s does not answer (%s)" % (what, self.host, _first_line(exc)))


class _NotFound(Exception):
    pass


def _server_message(exc):
    """The API server's own message (a Status object), else the HTTP status and reason."""
    try:
        status = json.loads(exc.body)
        return "%s (HTTP %s %s)" % (status.get("message"), exc.status, status.get("reason"))
    except (TypeError, ValueError, AttributeError):
        return "HTTP %s %s" % (exc.status, exc.reason)


def _first_line(exc):
    return (str(exc).splitlines() or [type(exc).__name__])[0]
