"""Mutations for the ALLOY family: the River config in the alloy HelmRelease values."""

from tests.mutations import StackCopy, mutation

HR = "infrastructure/monitoring/alloy/helmrelease.yaml"


@mutation("alloy-single-quoted-string", {"ALLOY001"})
def single_quoted(stack: StackCopy) -> None:
    """A string in single quotes, which River does not accept."""
    stack.replace(HR, 'role = "pod"\n\n', "role = 'pod'\n\n")


@mutation("alloy-typo-in-reference", {"ALLOY002"})
def typo_in_reference(stack: StackCopy) -> None:
    """The log source reads the targets of a relabel component that is not declared."""
    stack.replace(HR, "targets    = discovery.relabel.pods.output", "targets    = discovery.relabel.pod.output")


@mutation("alloy-pipeline-goes-nowhere", {"ALLOY003"})
def pipeline_goes_nowhere(stack: StackCopy) -> None:
    """loki.process forwards to nothing: the logs never reach loki.write."""
    stack.replace(HR, "forward_to = [loki.write.default.receiver]", "forward_to = []")


@mutation("alloy-process-feeds-itself", {"ALLOY004"})
def process_feeds_itself(stack: StackCopy) -> None:
    """loki.process forwards to its own receiver as well as to Loki."""
    stack.replace(
        HR,
        "forward_to = [loki.write.default.receiver]",
        "forward_to = [loki.write.default.receiver, loki.process.pods.receiver]",
    )


@mutation("alloy-misspelt-component", {"ALLOY005"})
def misspelt_component(stack: StackCopy) -> None:
    """A component name that Alloy does not have."""
    stack.replace(HR, 'loki.source.kubernetes "pods"', 'loki.source.kubernetes_pods "pods"')


@mutation("alloy-misspelt-argument", {"ALLOY006"})
def misspelt_argument(stack: StackCopy) -> None:
    """An argument of the drop stage spelt wrong."""
    stack.replace(HR, "drop_counter_reason = ", "drop_counter_reasn = ")


@mutation("alloy-writes-to-otlp-path", {"ALLOY007"})
def writes_to_otlp(stack: StackCopy) -> None:
    """loki.write pushes to Loki's OTLP endpoint instead of the push API."""
    stack.replace(HR, ":3100/loki/api/v1/push", ":3100/otlp/v1/logs")


@mutation("alloy-writes-to-wrong-port", {"ALLOY007"})
def writes_to_wrong_port(stack: StackCopy) -> None:
    """loki.write pushes to a port the Loki Service does not expose."""
    stack.replace(HR, ":3100/loki/api/v1/push", ":9095/loki/api/v1/push")


@mutation("alloy-duplicated-component", {"ALLOY008"})
def duplicated_component(stack: StackCopy) -> None:
    """A second discovery.kubernetes block with the label of the first."""
    marker = "          // Labels every log stream carries"
    duplicate = '          discovery.kubernetes "pods" {\n            role = "node"\n          }\n\n'
    stack.replace(HR, marker, duplicate + marker)


@mutation("alloy-experimental-component", {"ALLOY009"})
def experimental_component(stack: StackCopy) -> None:
    """loki.enrich (experimental) joins the log pipeline; the chart still runs Alloy at generally-available."""
    stack.replace(HR, "forward_to = [loki.process.pods.receiver]", "forward_to = [loki.enrich.pods.receiver]")
    enrich = (
        '          loki.enrich "pods" {\n'
        "            targets            = discovery.relabel.pods.output\n"
        '            target_match_label = "pod"\n'
        "            forward_to         = [loki.process.pods.receiver]\n"
        "          }\n\n"
    )
    marker = "          // Drop kube-system health-check noise"
    stack.replace(HR, marker, enrich + marker)
