/**
 * The kubeconfig loader as `rotor recycle` and the tests use it: YAML (or JSON) files, exec plugins included.
 * Its own file so the CLI can load it without the rest of the recycler's public surface (`./index.ts` also
 * carries the bundler), and so the in-cluster bundle, which imports `./kubeconfig.ts`, never sees `yaml`.
 */
import { parse as parseYaml } from "yaml";
import type { Clock } from "./clock";
import type { Connection } from "./connection";
import { execPlugin } from "./exec-plugin";
import { loadKubeconfig, type KubeconfigOptions } from "./kubeconfig";

/** Loads a YAML (or JSON) kubeconfig, exec plugins included. */
export function loadKubeconfigYaml(
  options: Omit<KubeconfigOptions, "parse" | "exec"> & { clock: Clock },
): Connection {
  return loadKubeconfig({ ...options, parse: (text) => parseYaml(text) as unknown, exec: execPlugin });
}
