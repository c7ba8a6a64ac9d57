"""Which exposures a DENY policy restricts, from a namespace's objects."""

from ansible_collections.kyma.mtls.plugins.module_utils.exposure_guard import (
    exposed_services, restricting_policies, selects, unrestricted_exposures)

NS = "kyma-mtls"


def policy(name, action="DENY", labels=None):
    spec = {"action": action, "rules": [{}]}
    if labels is not None:
        spec["selector"] = {"matchLabels": labels}
    return {"kind": "AuthorizationPolicy", "metadata": {"name": name, "namespace": NS}, "spec": spec}


def service(name, selector):
    return {"kind": "Service", "metadata": {"name": name, "namespace": NS}, "spec": {"selector": selector}}


def apirule(name, service_name, namespace=None, rule_services=()):
    spec = {"service": {"name": service_name, "port": 8000}, "rules": [
        dict({"path": "/*"}, **({"service": {"name": s, "port": 80}} if s else {})) for s in rule_services or [None]]}
    if namespace:
        spec["service"]["namespace"] = namespace
    return {"kind": "APIRule", "metadata": {"name": name, "namespace": NS}, "spec": spec}


def route(name, hosts, gateways=("kyma-mtls/kyma-mtls-gateway",)):
    return {"kind": "VirtualService", "metadata": {"name": name, "namespace": NS},
            "spec": {"gateways": list(gateways), "http": [{"route": [{"destination": {"host": h}} for h in hosts]}]}}


HTTPBIN = service("httpbin", {"app": "httpbin"})
FUNCTION = service("function", {"serverless.kyma-project.io/function-name": "function"})


def test_a_policy_selects_pods_with_its_labels_and_one_without_a_selector_selects_all():
    assert selects(policy("p", labels={"app": "httpbin"}), {"app": "httpbin", "version": "v1"})
    assert not selects(policy("p", labels={"app": "httpbin"}), {"app": "other"})
    assert not selects(policy("p", labels={"app": "httpbin", "version": "v2"}), {"app": "httpbin"})
    assert selects(policy("p"), {"app": "anything"})


def test_only_deny_policies_restrict():
    policies = [policy("allow", action="ALLOW", labels={"app": "httpbin"}), policy("deny", labels={"app": "httpbin"}),
                policy("other", labels={"app": "other"}), policy("namespace-wide")]
    assert restricting_policies(policies, {"app": "httpbin"}) == ["deny", "namespace-wide"]
    assert restricting_policies(policies[:1], {"app": "httpbin"}) == []


def test_apirules_reach_their_service_and_their_rules_services_in_the_namespace():
    assert exposed_services([apirule("a", "httpbin", rule_services=["function"])], NS) == {
        "APIRule a": ["function", "httpbin"]}
    assert exposed_services([apirule("b", "httpbin", namespace="elsewhere")], NS) == {}


def test_virtualservices_on_a_gateway_reach_the_services_of_the_namespace_they_name():
    hosts = ["httpbin", "httpbin.kyma-mtls", "function.kyma-mtls.svc.cluster.local", "other.elsewhere.svc.cluster.local",
             "api.example.com"]
    assert exposed_services([route("r", hosts)], NS) == {"VirtualService r": ["function", "httpbin"]}
    assert exposed_services([route("mesh-only", ["httpbin"], gateways=("mesh",))], NS) == {}
    assert exposed_services([route("no-gateway", ["httpbin"], gateways=())], NS) == {}


def test_an_exposure_without_a_restricting_policy_is_named():
    exposures = [apirule("httpbin-mtls", "httpbin"), route("function-route", ["function"])]
    policies = [policy("httpbin-deny", labels={"app": "httpbin"})]
    assert unrestricted_exposures(exposures, [HTTPBIN, FUNCTION], policies, NS) == [
        "VirtualService function-route reaches Service function"]


def test_deleting_the_only_policy_of_an_exposed_workload_is_named_and_a_second_policy_covers_it():
    exposures = [apirule("httpbin-mtls", "httpbin")]
    one = [policy("httpbin-deny", labels={"app": "httpbin"})]
    assert unrestricted_exposures(exposures, [HTTPBIN], one, NS, without="httpbin-deny") == [
        "APIRule httpbin-mtls reaches Service httpbin"]
    two = one + [policy("namespace-deny")]
    assert unrestricted_exposures(exposures, [HTTPBIN], two, NS, without="httpbin-deny") == []


def test_an_exposure_of_a_service_that_does_not_exist_reaches_no_pods():
    assert unrestricted_exposures([apirule("ghost", "missing")], [HTTPBIN], [], NS) == []
