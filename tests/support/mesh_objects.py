"""Istio, Kyma and Kubernetes objects shaped as the apiserver returns them, for translator tests."""

import base64

INGRESS = {"app": "istio-ingressgateway", "istio": "ingressgateway"}
GATEWAY_PRINCIPAL = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"


def meta(kind, name, namespace, created="2026-11-28T10:00:00Z", api="networking.istio.io/v1"):
    return {"apiVersion": api, "kind": kind,
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": created, "resourceVersion": "1"}}


def gateway(name="gw", namespace="kyma-mtls", hosts=("*.example.test",), mode="MUTUAL", credential="cred",
            port=443, selector=None, **tls):
    obj = meta("Gateway", name, namespace)
    server = {"port": {"number": port, "name": "https", "protocol": "HTTPS"}, "hosts": list(hosts),
              "tls": dict({"mode": mode, "credentialName": credential}, **tls)}
    obj["spec"] = {"selector": dict(INGRESS if selector is None else selector), "servers": [server]}
    return obj


def secret(name="cred", cert="CERT", key="KEY", ca="CA", crl=None, namespace="istio-system"):
    data = {"tls.crt": cert, "tls.key": key}
    if ca:
        data["ca.crt"] = ca
    if crl:
        data["ca.crl"] = crl
    obj = meta("Secret", name, namespace, api="v1")
    obj["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return obj


def virtual_service(name="vs", namespace="kyma-mtls", hosts=("httpbin.example.test",), gateways=("kyma-mtls/gw",),
                    http=None, created="2026-11-28T10:00:00Z"):
    obj = meta("VirtualService", name, namespace, created)
    obj["spec"] = {"hosts": list(hosts), "gateways": list(gateways), "http": http if http is not None else [
        {"route": [{"destination": {"host": "httpbin", "port": {"number": 8000}}}]}]}
    return obj


def policy(name="policy", namespace="kyma-mtls", action="DENY", rules=None, selector=None, created="2026-11-28T10:00:00Z"):
    obj = meta("AuthorizationPolicy", name, namespace, created, api="security.istio.io/v1")
    obj["spec"] = {"action": action}
    if rules is not None:
        obj["spec"]["rules"] = rules
    if selector is not None:
        obj["spec"]["selector"] = {"matchLabels": selector}
    return obj


def service(name="httpbin", namespace="kyma-mtls", port=8000, target=80, selector=None):
    obj = meta("Service", name, namespace, api="v1")
    obj["spec"] = {"selector": selector or {"app": name}, "ports": [{"port": port, "targetPort": target}]}
    return obj


def deployment(name="httpbin", namespace="kyma-mtls", labels=None, account="httpbin"):
    obj = meta("Deployment", name, namespace, api="apps/v1")
    obj["spec"] = {"template": {"metadata": {"labels": labels or {"app": name}},
                                "spec": {"serviceAccountName": account}}}
    return obj


def apirule(name="httpbin", namespace="kyma-mtls", hosts=("httpbin.example.test",), rules=None, **extra):
    obj = meta("APIRule", name, namespace, api="gateway.kyma-project.io/v2")
    obj["spec"] = dict({"hosts": list(hosts), "gateway": "kyma-mtls/gw",
                        "service": {"name": "httpbin", "port": 8000},
                        "rules": rules if rules is not None else [{"path": "/*", "methods": ["GET"], "noAuth": True}]},
                       **extra)
    return obj


def local_service(name="httpbin", namespace="kyma-mtls", port=8000, address="127.0.0.1:9000", sidecar_port=9100,
                  labels=None):
    return {"name": name, "namespace": namespace, "port": port, "address": address, "sidecar_port": sidecar_port,
            "labels": labels or {}, "service_account": None}
