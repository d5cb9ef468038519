"""Mutations that add a system to the stack (tests/systems/fixtures) and plant one mistake in it."""

from tests.mutations import StackCopy, mutation
from tests.systems.stack import add_system

VECTOR_AGENT = "infrastructure/monitoring/alloy/vector-agent.yaml"
VECTOR_TOML_AGENT = "infrastructure/monitoring/alloy/vector-toml-agent.toml"
VECTOR_TOML_AGGREGATOR = "infrastructure/monitoring/alloy/vector-toml-aggregator.yaml"
FALCOSIDEKICK = "infrastructure/monitoring/alloy/falcosidekick.yaml"
ROBUSTA = "infrastructure/monitoring/kube-prometheus-stack/robusta.yaml"


@mutation("vector-sink-reads-a-misspelt-transform", {"VEC001"})
def vector_input_typo(stack: StackCopy) -> None:
    """A Vector agent whose sink reads `parsed`, a transform that is called `parse`."""
    add_system(stack, "vector", "vector")
    stack.replace(VECTOR_AGENT, "inputs: [parse]", "inputs: [parsed]")


@mutation("vector-agent-sends-to-the-splunk-port", {"LOKI006"})
def vector_agent_wrong_source(stack: StackCopy) -> None:
    """The agent's vector sink reaches the aggregator's splunk_hec source instead of its vector source."""
    add_system(stack, "vector", "vector")
    stack.replace(VECTOR_AGENT, "svc.cluster.local:6000", "svc.cluster.local:8088")


@mutation("vector-toml-transform-reads-a-misspelt-source", {"VEC001"})
def vector_toml_input_typo(stack: StackCopy) -> None:
    """A Vector agent configured in TOML whose transform reads `pod`, a source that is called `pods`."""
    add_system(stack, "vector-toml", "vector")
    stack.replace(VECTOR_TOML_AGENT, 'inputs = ["pods"]', 'inputs = ["pod"]')


@mutation("vector-toml-loki-sink-with-the-push-path", {"LOKI006"})
def vector_toml_push_path(stack: StackCopy) -> None:
    """A TOML Vector config in a ConfigMap whose loki sink endpoint carries the path Vector appends."""
    add_system(stack, "vector-toml", "vector")
    stack.replace(VECTOR_TOML_AGGREGATOR, 'cluster.local:3100"', 'cluster.local:3100/loki/api/v1/push"')


@mutation("falcosidekick-alertmanager-wrong-port", {"AM008"})
def falcosidekick_wrong_port(stack: StackCopy) -> None:
    """falcosidekick's Alertmanager output at the cluster port 9094, which the Service lacks."""
    add_system(stack, "falcosidekick", "falcosecurity")
    stack.replace(FALCOSIDEKICK, "alertmanager.monitoring.svc:9093", "alertmanager.monitoring.svc:9094")


@mutation("robusta-signing-key-in-clear", {"SEC005"})
def robusta_signing_key(stack: StackCopy) -> None:
    """Robusta's globalConfig.signing_key written in the HelmRelease values."""
    add_system(stack, "robusta", "robusta")
    stack.replace(
        ROBUSTA, 'signing_key: "{{ env.ROBUSTA_SIGNING_KEY }}"', "signing_key: 0f9e8d7c-6b5a-4c3d-9e2f-a1b2c3d4e5f6"
    )
