"""NET: traffic into the cluster's Services: Ingress and Gateway API route backends, Service target ports."""

from obslint.rules.network import backends, target_ports  # noqa: F401
