"""rotor's components for Python programs, served by rotor's component provider plugin (pulumi-resource-rotor).

Hand-written, not generated: `pulumi package gen-sdk <plugin> --language python` hands the code generation to the
Python language host (pulumi-language-python), which cannot be had here (the Go module proxy refuses its module), so
it fails with "no language plugin 'pulumi-language-python' found". With a full Pulumi installation, generate the
typed SDK instead (`pulumi package gen-sdk pulumi-resource-rotor --language python`, or `pulumi package add`).

Each class registers a remote component (`remote=True`): the engine asks the plugin to construct it, and the plugin
creates the same TypeScript components a Node.js program does. Args use the package schema's names (camelCase, as
in YAML and TypeScript) and go over the wire as they are; the Kubernetes provider reaches the children through
`providers={"kubernetes": provider}` in the options.
"""

from typing import Any, Optional, TypedDict

import pulumi

TOKEN = "rotor:index:"


class _Remote(pulumi.ComponentResource):
    """A component the plugin constructs; `outputs` are the schema's output names, set on the object as Outputs."""

    def __init__(self, kind: str, name: str, args: dict[str, Any], outputs: list[str], opts) -> None:
        props: dict[str, Any] = {k: v for k, v in args.items() if v is not None}
        for key in outputs:
            props.setdefault(key, None)
        super().__init__(TOKEN + kind, name, props, opts, remote=True)

    def _output(self, key: str) -> pulumi.Output[Any]:
        # The engine's outputs are set under their schema names by Resource.__init__.
        return self.__dict__[key]


class RecyclerScriptArgs(TypedDict, total=False):
    namespace: pulumi.Input[str]


class RecyclerScript(_Remote):
    """The recycler script in one ConfigMap per namespace, for every PodRecycler there (their scriptConfigMap)."""

    def __init__(self, name: str, args: RecyclerScriptArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("RecyclerScript", name, dict(args), ["configMapName"], opts)
        #: Name of the ConfigMap.
        self.config_map_name: pulumi.Output[str] = self._output("configMapName")


class RotatingAppArgs(TypedDict, total=False):
    """The most used of RotatingApp's inputs; the package schema (`pulumi package get-schema`) has them all."""

    image: pulumi.Input[str]
    namespace: pulumi.Input[str]
    replicas: pulumi.Input[int]
    ports: pulumi.Input[list[Any]]
    env: pulumi.Input[dict[str, pulumi.Input[str]]]
    readinessProbe: pulumi.Input[dict[str, Any]]
    resources: pulumi.Input[dict[str, Any]]
    minReadySeconds: pulumi.Input[int]
    #: Plain: it decides which resources exist.
    rotation: dict[str, Any]
    recyclerScriptConfigMap: pulumi.Input[str]


class RotatingApp(_Remote):
    """An app whose pods can be rotated without downtime: Deployment, Service, PodDisruptionBudget, PodRecycler."""

    def __init__(self, name: str, args: RotatingAppArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("RotatingApp", name, dict(args), ["namespace", "serviceHost", "podSelector"], opts)
        #: Namespace of every object.
        self.namespace: pulumi.Output[str] = self._output("namespace")
        #: In-cluster DNS name of the Service.
        self.service_host: pulumi.Output[str] = self._output("serviceHost")
        #: Labels that select the app's pods.
        self.pod_selector: pulumi.Output[dict[str, str]] = self._output("podSelector")


class PodRecyclerArgs(TypedDict, total=False):
    namespace: pulumi.Input[str]
    deployment: pulumi.Input[str]
    replicas: pulumi.Input[int]
    maxAge: pulumi.Input[str]
    schedule: pulumi.Input[str]
    strategy: pulumi.Input[str]
    scriptConfigMap: pulumi.Input[str]


class PodRecycler(_Remote):
    """Rotates the pods of an existing Deployment: a CronJob running rotor's recycler with least privilege."""

    def __init__(self, name: str, args: PodRecyclerArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("PodRecycler", name, dict(args), ["cronJobName"], opts)
        #: Name of the recycler's CronJob.
        self.cron_job_name: pulumi.Output[str] = self._output("cronJobName")
