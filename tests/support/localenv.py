"""What tests and benchmarks need to run a local environment of their own."""

# Every port of the local environment on the host's 127.0.0.1: given free ones, an environment of a
# test or benchmark never meets another (make demo's, Molecule's). The ports pods see inside their
# own network namespaces stay as in a cluster.
PORTS = ("cluster_etcd_port", "cluster_etcd_peer_port", "cluster_apiserver_port", "cluster_controller_manager_port",
         "cluster_scheduler_port", "istio_http_port", "istio_xds_port", "istio_monitoring_port", "istio_webhook_port",
         "istio_ctrlz_port", "node_status_port", "node_https_port", "node_http_port", "kyma_webhook_port",
         "kyma_functions_port")
