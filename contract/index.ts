/**
 * The conventions every part of rotor relies on: labels, annotations, names and their limits, durations, windows,
 * the recycler's Role, label selectors and int-or-percent values. Components, the catalog, the policy rules and
 * the recycler import them from here; nothing here imports anything else (it is bundled into the recycler). The
 * simulator keeps its own copies on purpose, as a second opinion.
 */
export * from "./annotations";
export * from "./duration";
export * from "./int-or-percent";
export * from "./label-selector";
export * from "./labels";
export * from "./max-age";
export * from "./names";
export * from "./rbac";
export * from "./window";
