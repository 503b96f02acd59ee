"""rotor from Python: a Pulumi program declaring an explicit Kubernetes provider and the namespace rotor's apps live
in (Pod Security "restricted", as rotor renders namespaces)."""

from collections.abc import Callable

import pulumi
import pulumi_kubernetes as k8s

PROJECT = "rotor-python"

#: The Kubernetes provider release the e2e suite builds (e2e/build-pulumi.sh), and pulumi-kubernetes 4.25.0's own.
KUBERNETES_VERSION = "4.25.0"


def rotor_program(kubeconfig: str, namespace: str, replicas: int) -> Callable[[], None]:
    """The program, for the Automation API: deploys to the cluster `kubeconfig` names."""

    def program() -> None:
        provider = k8s.Provider(
            "cluster",
            kubeconfig=kubeconfig,
            opts=pulumi.ResourceOptions(version=KUBERNETES_VERSION),
        )
        restricted = {
            f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "warn", "audit")
        }
        ns = k8s.core.v1.Namespace(
            namespace,
            metadata=k8s.meta.v1.ObjectMetaArgs(name=namespace, labels=restricted),
            opts=pulumi.ResourceOptions(provider=provider),
        )
        pulumi.export("namespace", ns.metadata.name)

    return program
