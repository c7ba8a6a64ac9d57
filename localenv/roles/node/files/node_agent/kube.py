"""The apiserver, by REST path and plain JSON, through the kubernetes client's authenticated connection."""

import json
import urllib.parse

import urllib3
from kubernetes import config as k8s_config


class ApiError(RuntimeError):
    def __init__(self, status, body):
        self.status = status
        self.body = body
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__("%s: %s" % (status, message))


def _error(response):
    try:
        body = json.loads(response.data)
    except ValueError:
        body = response.data.decode("utf-8", "replace")
    return ApiError(response.status, body)


class Kube:
    def __init__(self, kubeconfig, context):
        self.client = k8s_config.new_client_from_config(config_file=kubeconfig, context=context)
        self.host = self.client.configuration.host
        # The client's own connection pool: it carries the kubeconfig's TLS settings and credentials.
        self.pool = self.client.rest_client.pool_manager
        token = (self.client.configuration.api_key or {}).get("authorization")
        self.auth = {"Authorization": token} if token else {}

    def request(self, method, path, body=None, query=None, content_type="application/json", timeout=30):
        url = self.host + path + ("?" + urllib.parse.urlencode(query) if query else "")
        response = self.pool.request(method, url, body=None if body is None else json.dumps(body),
                                     headers=dict(self.auth, **{"Content-Type": content_type, "Accept": "application/json"}),
                                     timeout=urllib3.Timeout(total=timeout))
        if response.status >= 400:
            raise _error(response)
        return json.loads(response.data) if response.data else {}

    def get(self, path, query=None):
        """The object at path, or None when there is none."""
        try:
            return self.request("GET", path, query=query)
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    def create(self, path, body):
        return self.request("POST", path, body)

    def merge_patch(self, path, body):
        return self.request("PATCH", path, body, content_type="application/merge-patch+json")

    def strategic_patch(self, path, body):
        return self.request("PATCH", path, body, content_type="application/strategic-merge-patch+json")

    def delete(self, path, body=None):
        try:
            return self.request("DELETE", path, body)
        except ApiError as error:
            if error.status in (404, 409):  # gone already, or replaced by another object of that name
                return None
            raise

    def watch(self, path, resource_version, query=None, seconds=240):
        """Yield (type, object) events of a watch until it times out."""
        params = dict(query or {}, watch="true", resourceVersion=resource_version, timeoutSeconds=seconds,
                      allowWatchBookmarks="true")
        url = self.host + path + "?" + urllib.parse.urlencode(params)
        response = self.pool.request("GET", url, headers=dict(self.auth, Accept="application/json"), preload_content=False,
                                     timeout=urllib3.Timeout(connect=10, read=seconds + 30))
        if response.status >= 400:
            response.read()
            raise _error(response)
        pending = b""
        try:
            for chunk in response.stream(64 * 1024, decode_content=True):
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    if line.strip():
                        event = json.loads(line)
                        yield event["type"], event["object"]
        finally:
            response.release_conn()

    def token(self, namespace, service_account, audience, seconds, pod):
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                "spec": {"audiences": [audience] if audience else None, "expirationSeconds": seconds,
                         "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": pod["metadata"]["name"],
                                            "uid": pod["metadata"]["uid"]}}}
        path = "/api/v1/namespaces/%s/serviceaccounts/%s/token" % (namespace, service_account)
        return self.create(path, body)["status"]["token"]
