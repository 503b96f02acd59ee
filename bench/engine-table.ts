/** The engine bench's table: per size, the real engine's preview and up beside the mocks figure, and the ratios. */

export interface EngineRow {
  readonly apps: number;
  /** Resources `pulumi up` created; absent when the engine did not run. */
  readonly resources?: number;
  readonly previewSeconds?: number;
  readonly upSeconds?: number;
  readonly mocksSeconds?: number;
}

/** Targets (issue 9): 1,000/100 at most this for preview and up (linear growth) … */
export const TARGET_RATIO = 12;
/** … and the 1,000-app preview under this many seconds. */
export const TARGET_PREVIEW_1000_SECONDS = 180;

type Figure = "previewSeconds" | "upSeconds" | "mocksSeconds";

/** The 1,000-app figure over the 100-app one, or undefined when either is missing. */
export function ratio(rows: readonly EngineRow[], figure: Figure): number | undefined {
  const big = rows.find((r) => r.apps === 1000)?.[figure];
  const small = rows.find((r) => r.apps === 100)?.[figure];
  return big === undefined || small === undefined || small === 0 ? undefined : big / small;
}

function cell(value: number | undefined, digits: number, width: number): string {
  return (value === undefined ? "—" : value.toFixed(digits)).padStart(width);
}

function met(ok: boolean): string {
  return ok ? "met" : "NOT met";
}

/** The table's lines, and the targets, met or not (a missing figure is said to be missing, never met). */
export function engineTable(rows: readonly EngineRow[]): string[] {
  const lines = [
    ["apps", "resources", "preview s", "up s", "mocks s"]
      .map((h, i) => h.padStart(i === 0 ? 5 : 10))
      .join(""),
    ...rows.map(
      (r) =>
        String(r.apps).padStart(5) +
        (r.resources === undefined ? "—" : String(r.resources)).padStart(10) +
        cell(r.previewSeconds, 1, 10) +
        cell(r.upSeconds, 1, 10) +
        cell(r.mocksSeconds, 2, 10),
    ),
  ];
  const ratios = (["previewSeconds", "upSeconds", "mocksSeconds"] as const).map((f) => ratio(rows, f));
  lines.push("1,000/100".padStart(5) + "".padStart(6) + ratios.map((x) => cell(x, 2, 10)).join(""));
  const [preview, up] = ratios;
  const thousand = rows.find((r) => r.apps === 1000)?.previewSeconds;
  lines.push(
    preview === undefined || up === undefined
      ? `ratio 1,000/100 of preview and up (target at most ${TARGET_RATIO}): not measured`
      : `ratio 1,000/100 of preview ${preview.toFixed(2)}, of up ${up.toFixed(2)} (target at most ${TARGET_RATIO}: ${met(preview <= TARGET_RATIO && up <= TARGET_RATIO)})`,
    thousand === undefined
      ? `1,000-app preview (target under ${TARGET_PREVIEW_1000_SECONDS} s): not measured`
      : `1,000-app preview in ${thousand.toFixed(1)} s (target under ${TARGET_PREVIEW_1000_SECONDS} s: ${met(thousand < TARGET_PREVIEW_1000_SECONDS)})`,
  );
  return lines;
}
