/**
 * `rotor plan --format svg`: the horizon as a picture. One lane per app; its windows shaded, its usable runs as
 * ticks, daylight-saving changes as dashed lines, the worst wait as a bracket, and its lifetime bound beside it (red
 * when over the ceiling). Every element a test counts has a class: `lane`, `window`, `run`, `dst`, `wait`.
 */
import { formatDuration } from "../contract/duration";
import { parseWindow, type Window } from "../contract/window";
import type { AppPlan, RotationPlan } from "./rotation-plan";
import { isoUtc } from "./time-format";
import { formatOffset, zone } from "./zone";

const WIDTH = 1400;
const LEFT = 210;
const RIGHT = 250;
const PAD = 20;
const TOP = 96;
const LANE = 76;
const LEGEND = 40;
const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
const COLORS = {
  window: "#cfe8d5",
  always: "#e6f2e8",
  run: "#1d5e3a",
  dst: "#b35c00",
  over: "#c62828",
  ok: "#1d5e3a",
  grid: "#d9d9d9",
  text: "#222222",
  muted: "#666666",
  wait: "#5a4fcf",
};

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const f = (n: number) => (Math.round(n * 10) / 10).toString();

/** The zone the axis is drawn in: the apps' zone when they share one, else UTC. */
export function displayZone(plan: RotationPlan): string {
  const zones = new Set(plan.apps.flatMap((a) => (a.rotation ? [a.rotation.timeZone] : [])));
  return zones.size === 1 ? ([...zones][0] ?? "Etc/UTC") : "Etc/UTC";
}

/** The instants in `[from, to)` when a window of `windows` is open in `timeZone`, merged and clipped. */
export function windowIntervals(
  windows: readonly Window[],
  timeZone: string,
  from: number,
  to: number,
): [number, number][] {
  if (windows.length === 0) return [[from, to]];
  const z = zone(timeZone);
  const start = z.wall(from);
  const raw: [number, number][] = [];
  // From the day before the horizon (a window past midnight may reach into it) to its last local day.
  for (let d = -1; ; d++) {
    const dayStart = z.date(start.year, start.month, start.day + d);
    if (dayStart >= to) break;
    const weekday = (z.wall(dayStart).weekday + 6) % 7;
    for (const w of windows) {
      if (!w.days.has(weekday)) continue;
      const a = z.date(start.year, start.month, start.day + d, 0, w.start);
      const b = z.date(start.year, start.month, start.day + d + (w.end > w.start ? 0 : 1), 0, w.end);
      const lo = Math.max(a, from);
      const hi = Math.min(b, to);
      if (hi > lo) raw.push([lo, hi]);
    }
  }
  raw.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [lo, hi] of raw) {
    const last = merged[merged.length - 1];
    if (last && lo <= last[1]) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  return merged;
}

/** Renders the plan as a standalone SVG document. */
export function planSvg(plan: RotationPlan): string {
  const { from, to } = plan.horizon;
  const axisZone = displayZone(plan);
  const z = zone(axisZone);
  const timeline = WIDTH - LEFT - RIGHT - 2 * PAD;
  const x0 = PAD + LEFT;
  const x = (ms: number) => x0 + ((ms - from) / (to - from)) * timeline;
  const height = TOP + plan.apps.length * LANE + LEGEND + PAD;
  const days = Math.round((to - from) / 86_400_000);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}" font-size="12" fill="${COLORS.text}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PAD}" y="30" font-size="20" font-weight="bold">rotor plan: ${esc(plan.environment)}</text>`,
    `<text x="${PAD}" y="52" fill="${COLORS.muted}">${esc(`${isoUtc(from)} to ${isoUtc(to)} (${days} day${days === 1 ? "" : "s"}) · times in ${axisZone} · lifetime bounds for pods due in this horizon · ceiling ${plan.ceiling.duration} (rule ${plan.ceiling.rule})`)}</text>`,
  );

  // Day grid and labels, at local midnight of the axis zone.
  const first = z.wall(from);
  const gridTop = TOP - 14;
  const gridBottom = TOP + plan.apps.length * LANE;
  for (let d = 0; ; d++) {
    const midnight = z.date(first.year, first.month, first.day + d);
    if (midnight >= to) break;
    const next = Math.min(z.date(first.year, first.month, first.day + d + 1), to);
    if (midnight >= from) {
      out.push(
        `<line x1="${f(x(midnight))}" y1="${gridTop}" x2="${f(x(midnight))}" y2="${gridBottom}" stroke="${COLORS.grid}"/>`,
      );
    }
    const w = z.wall(Math.max(midnight, from));
    const mid = (x(Math.max(midnight, from)) + x(next)) / 2;
    if (x(next) - x(Math.max(midnight, from)) > 40) {
      out.push(
        `<text class="day" x="${f(mid)}" y="${TOP - 20}" text-anchor="middle" font-weight="bold">${WEEKDAYS[w.weekday]} ${w.day} ${MONTHS[w.month - 1]}</text>`,
      );
    }
    if (days <= 14) {
      for (const hour of [6, 12, 18]) {
        const t = z.date(first.year, first.month, first.day + d, hour);
        if (t > from && t < to) {
          out.push(
            `<line x1="${f(x(t))}" y1="${TOP}" x2="${f(x(t))}" y2="${gridBottom}" stroke="${COLORS.grid}" stroke-dasharray="2 4"/>`,
          );
          if (days <= 7)
            out.push(
              `<text x="${f(x(t))}" y="${TOP - 4}" text-anchor="middle" font-size="9" fill="${COLORS.muted}">${hour}:00</text>`,
            );
        }
      }
    }
  }
  out.push(`<text x="${x0 + timeline + 16}" y="${TOP - 20}" font-weight="bold">lifetime bound</text>`);

  plan.apps.forEach((app, i) => out.push(...lane(app, i, plan, x, x0, timeline)));
  out.push(...legend(height - LEGEND - PAD / 2));
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function lane(
  app: AppPlan,
  index: number,
  plan: RotationPlan,
  x: (ms: number) => number,
  x0: number,
  timeline: number,
): string[] {
  const { from, to } = plan.horizon;
  const top = TOP + index * LANE;
  const band = { y: top + 16, h: LANE - 38 };
  const r = app.rotation;
  const out = [
    `<g class="lane" data-app="${esc(app.name)}">`,
    `<rect x="${PAD}" y="${top}" width="${WIDTH - 2 * PAD}" height="${LANE}" fill="${index % 2 === 0 ? "#fafafa" : "#f3f3f3"}"/>`,
    `<text x="${PAD + 8}" y="${top + 24}" font-size="14" font-weight="bold">${esc(app.name)}</text>`,
    `<text x="${PAD + 8}" y="${top + 42}" font-size="10" fill="${COLORS.muted}">${esc(r ? `${app.replicas} replicas · ${r.schedule} · ${r.windows.length > 0 ? r.windows.join(", ") : "no windows"}` : "rotation disabled")}</text>`,
  ];
  if (r) {
    const windows = r.windows.map(parseWindow).filter((w): w is Window => typeof w !== "string");
    for (const [lo, hi] of windowIntervals(windows, r.timeZone, from, to)) {
      out.push(
        `<rect class="window" x="${f(x(lo))}" y="${band.y}" width="${f(Math.max(0.5, x(hi) - x(lo)))}" height="${band.h}" fill="${windows.length > 0 ? COLORS.window : COLORS.always}"/>`,
      );
    }
    for (const t of app.usable) {
      out.push(
        `<line class="run" x1="${f(x(t))}" y1="${band.y + 6}" x2="${f(x(t))}" y2="${band.y + band.h - 6}" stroke="${COLORS.run}" stroke-width="1"/>`,
      );
    }
    const worst = app.bound?.worst;
    if (worst && worst.rotatedBy <= to && worst.dueAt >= from) {
      const y = band.y + band.h + 6;
      // A short wait gets its label beside the bracket, not over the app's name.
      const wide = x(worst.rotatedBy) - x(worst.dueAt) > 180;
      out.push(
        `<path class="wait" d="M${f(x(worst.dueAt))} ${y - 4} V${y} H${f(x(worst.rotatedBy))} V${y - 4}" fill="none" stroke="${COLORS.wait}" stroke-width="1.5"/>`,
        `<text x="${f(wide ? (x(worst.dueAt) + x(worst.rotatedBy)) / 2 : x(worst.rotatedBy) + 4)}" y="${y + 12}" text-anchor="${wide ? "middle" : "start"}" font-size="10" fill="${COLORS.wait}">longest wait ${formatDuration(worst.rotatedBy - worst.dueAt)} (${app.bound?.runsNeeded === 1 ? "1 run" : `${app.bound?.runsNeeded ?? 1} runs`})</text>`,
      );
    }
    for (const change of app.dst) {
      const cx = f(x(change.at));
      const effect =
        change.skipped.length > 0
          ? `, ${change.skipped.length} skipped`
          : change.doubled.length > 0
            ? `, ${change.doubled.length} doubled`
            : "";
      out.push(
        `<line class="dst" x1="${cx}" y1="${top + 2}" x2="${cx}" y2="${top + LANE - 2}" stroke="${COLORS.dst}" stroke-width="2" stroke-dasharray="5 3"/>`,
        `<text x="${f(x(change.at) + 4)}" y="${top + 12}" font-size="10" fill="${COLORS.dst}">${esc(`DST ${formatOffset(change.offsetBeforeMs)} → ${formatOffset(change.offsetAfterMs)}${effect}`)}</text>`,
      );
    }
  }
  const bound = app.bound;
  const finite = bound !== undefined && Number.isFinite(bound.boundMs);
  const color = app.finding ? COLORS.over : finite ? COLORS.ok : COLORS.muted;
  const verdict =
    app.status === "disabled"
      ? "rotation disabled"
      : app.status !== "rotating"
        ? `${app.status}: rotates nothing`
        : app.finding
          ? `over the ${plan.ceiling.duration} ceiling`
          : `within the ${plan.ceiling.duration} ceiling`;
  out.push(
    `<text x="${x0 + timeline + 16}" y="${top + 26}" font-size="16" font-weight="bold" fill="${color}">${esc(finite ? `≤ ${formatDuration(bound.boundMs)}` : "never rotated")}</text>`,
    `<text x="${x0 + timeline + 16}" y="${top + 44}" font-size="10" fill="${color}">${esc(verdict)}</text>`,
    ...(finite
      ? [
          `<text x="${x0 + timeline + 16}" y="${top + 60}" font-size="9" fill="${COLORS.muted}">${esc(`age ${formatDuration(bound.maxAgeMs)} + jitter ${formatDuration(bound.jitterMs)} + wait ${formatDuration(bound.waitMs)} + ${formatDuration(bound.startDeadlineMs)}`)}</text>`,
        ]
      : []),
    "</g>",
  );
  return out;
}

function legend(y: number): string[] {
  const items: [string, string][] = [
    [`<rect x="0" y="-9" width="22" height="12" fill="${COLORS.window}"/>`, "rotation window"],
    [`<line x1="11" y1="-10" x2="11" y2="4" stroke="${COLORS.run}" stroke-width="2"/>`, "usable run"],
    [
      `<line x1="11" y1="-10" x2="11" y2="4" stroke="${COLORS.dst}" stroke-width="2" stroke-dasharray="5 3"/>`,
      "daylight-saving change",
    ],
    [
      `<path d="M0 -6 V0 H22 V-6" fill="none" stroke="${COLORS.wait}" stroke-width="1.5"/>`,
      "longest wait to rotate every pod",
    ],
    [`<rect x="0" y="-9" width="22" height="12" fill="${COLORS.over}"/>`, "bound over the ceiling"],
  ];
  const out = [`<g class="legend" transform="translate(${PAD} ${y + 20})">`];
  let cx = 0;
  for (const [mark, label] of items) {
    out.push(
      `<g transform="translate(${cx} 0)">${mark}<text x="30" y="2" fill="${COLORS.muted}">${esc(label)}</text></g>`,
    );
    cx += 40 + label.length * 7;
  }
  out.push("</g>");
  return out;
}
