"""Runs rotor's Python program (program.py) through the Pulumi Automation API as an inline program: the program
runs in this process, which serves the CLI its language runtime (the CLI is started with --client), so no Python
language host is needed (none can be built here: the Go module proxy refuses its module).

    python driver.py preview|up|destroy --engine <dir> --stack <name> --work-dir <dir> --kubeconfig <file>
                     [--namespace <name>] [--replicas <n>]

The engine directory is the one e2e/build-pulumi.sh prints (<dir>/bin/pulumi). The backend, PULUMI_HOME, the
passphrase and the plugin settings come from the environment, as for every Pulumi CLI run. Prints one JSON
object on its last line of stdout: {"ok": true, "changes": {op: count}, "problems": [...]} (and, for up, the
stack's "outputs") or, when the operation fails, {"ok": false, "error": "<the CLI's error>", "problems": [...]} (exit code 1).
"""

import argparse
import json
import os
import sys

from pulumi import automation as auto

from program import PROJECT, rotor_program


def _problems(events: list[auto.EngineEvent]) -> list[dict[str, str]]:
    """The warnings and errors among the engine's diagnostics, without the ephemeral status lines."""
    out = []
    for e in events:
        d = e.diagnostic_event
        if d is not None and not d.ephemeral and d.severity in ("warning", "error"):
            out.append({"severity": d.severity, "urn": d.urn or "", "message": d.message})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("operation", choices=["preview", "up", "destroy"])
    parser.add_argument("--engine", required=True, help="the directory e2e/build-pulumi.sh prints")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--work-dir", required=True, help="the workspace: Pulumi.yaml and the stack's settings")
    parser.add_argument("--kubeconfig", required=True, help="kubeconfig file of the cluster to deploy to")
    parser.add_argument("--namespace", default="python-demo")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--expect-no-changes", action="store_true", help="up: fail if anything would change")
    a = parser.parse_args()

    with open(a.kubeconfig, encoding="utf-8") as f:
        kubeconfig = f.read()
    os.makedirs(a.work_dir, exist_ok=True)
    backend = os.environ.get("PULUMI_BACKEND_URL")
    stack = auto.create_or_select_stack(
        stack_name=a.stack,
        project_name=PROJECT,
        program=rotor_program(kubeconfig=kubeconfig, namespace=a.namespace, replicas=a.replicas),
        opts=auto.LocalWorkspaceOptions(
            work_dir=a.work_dir,
            pulumi_command=auto.PulumiCommand(root=a.engine),
            project_settings=auto.ProjectSettings(
                name=PROJECT,
                runtime="python",
                backend=auto.ProjectBackend(url=backend) if backend else None,
            ),
        ),
    )
    # Every Kubernetes resource must name the program's provider: the default one would reach for whatever
    # cluster the ambient kubeconfig points at.
    stack.set_config("pulumi:disable-default-providers[0]", auto.ConfigValue("kubernetes"), path=True)

    events: list[auto.EngineEvent] = []
    outputs: dict[str, object] = {}
    try:
        if a.operation == "preview":
            changes = stack.preview(on_event=events.append).change_summary
        elif a.operation == "up":
            up = stack.up(on_event=events.append, expect_no_changes=a.expect_no_changes)
            changes = up.summary.resource_changes
            outputs = {k: v.value for k, v in up.outputs.items()}
        else:
            changes = stack.destroy(on_event=events.append).summary.resource_changes
    except auto.errors.CommandError as error:
        print(json.dumps({"ok": False, "error": str(error), "problems": _problems(events)}))
        return 1
    report = {"ok": True, "changes": dict(changes or {}), "problems": _problems(events)}
    if a.operation == "up":
        report["outputs"] = outputs
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
