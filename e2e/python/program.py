"""rotor from Python: a Pulumi program declaring an explicit Kubernetes provider, a namespace, a RotatingApp and a
PodRecycler for a Deployment the program declares itself, the components served by rotor's plugin."""

from collections.abc import Callable

import pulumi
import pulumi_kubernetes as k8s

from rotor_components import PodRecycler, RecyclerScript, RotatingApp

PROJECT = "rotor-python"

#: The Kubernetes provider release the e2e suite builds (e2e/build-pulumi.sh), and pulumi-kubernetes 4.25.0's own.
KUBERNETES_VERSION = "4.25.0"

IMAGE = "ghcr.io/acme/storefront:2.15.0"


def rotor_program(kubeconfig: str, namespace: str, replicas: int) -> Callable[[], None]:
    """The program, for the Automation API: deploys to the cluster `kubeconfig` names."""

    def program() -> None:
        provider = k8s.Provider(
            "cluster",
            kubeconfig=kubeconfig,
            opts=pulumi.ResourceOptions(version=KUBERNETES_VERSION),
        )
        on_cluster = pulumi.ResourceOptions(provider=provider)
        # A component passes the provider on to its children: `providers`, keyed by package.
        components_on_cluster = pulumi.ResourceOptions(providers={"kubernetes": provider})

        restricted = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "warn", "audit")}
        ns = k8s.core.v1.Namespace(
            namespace,
            metadata=k8s.meta.v1.ObjectMetaArgs(name=namespace, labels=restricted),
            opts=on_cluster,
        )
        # One copy of the recycler script for both recyclers in the namespace.
        script = RecyclerScript("scripts", {"namespace": ns.metadata.name}, components_on_cluster)

        web = RotatingApp(
            "web",
            {
                "namespace": ns.metadata.name,
                "image": IMAGE,
                "replicas": replicas,
                "ports": [{"name": "http", "containerPort": 8080}],
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                "rotation": {"maxAge": "24h", "schedule": "0 * * * *"},
                "recyclerScriptConfigMap": script.config_map_name,
            },
            components_on_cluster,
        )

        # A Deployment declared without rotor, rotated by a PodRecycler of its own.
        labels = {"app.kubernetes.io/name": "worker"}
        worker = k8s.apps.v1.Deployment(
            "worker",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="worker", namespace=ns.metadata.name, labels=labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=2,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        security_context=k8s.core.v1.PodSecurityContextArgs(
                            run_as_non_root=True,
                            run_as_user=65532,
                            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                        ),
                        containers=[
                            k8s.core.v1.ContainerArgs(
                                name="worker",
                                image=IMAGE,
                                security_context=k8s.core.v1.SecurityContextArgs(
                                    allow_privilege_escalation=False,
                                    capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                                ),
                            )
                        ],
                    ),
                ),
            ),
            opts=on_cluster,
        )
        recycler = PodRecycler(
            "worker-recycler",
            {
                "namespace": ns.metadata.name,
                "deployment": worker.metadata.name,
                "replicas": 2,
                "maxAge": "12h",
                "scriptConfigMap": script.config_map_name,
            },
            components_on_cluster,
        )

        pulumi.export("namespace", web.namespace)
        pulumi.export("webHost", web.service_host)
        pulumi.export("webSelector", web.pod_selector)
        pulumi.export("workerCronJob", recycler.cron_job_name)
        pulumi.export("scriptConfigMap", script.config_map_name)

    return program
