import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pdbDesiredHealthy, resolveRollingUpdate, scaleIntOrPercent } from "../../contract/int-or-percent";
import { scaledValue } from "../../simulator/objects";

// What k8s.io/apimachinery's intstr.GetScaledValueFromIntOrPercent returns (undefined where it returns an error):
// an int as it is; a string must end in "%" and the rest must parse with strconv.Atoi (an optional sign, ASCII
// digits, nothing else), scaled by `total` and rounded with math.Ceil or math.Floor. A string without "%" is an
// error ("invalid type: string is not a percentage"), even when it is all digits: YAML `maxSurge: "3"` is not 3.
const CASES: [value: unknown, total: number, roundUp: boolean, want: number | undefined][] = [
  [3, 10, true, 3],
  [3, 10, false, 3],
  [0, 10, true, 0],
  [12, 4, false, 12],
  [2, 8, false, 2],
  ["25%", 3, true, 1],
  ["25%", 3, false, 0],
  ["25%", 8, false, 2],
  ["10%", 3, true, 1],
  ["50%", 3, true, 2],
  ["50%", 3, false, 1],
  ["100%", 5, true, 5],
  ["0%", 5, true, 0],
  ["150%", 4, true, 6],
  ["33%", 0, true, 0],
  ["007%", 100, false, 7],
  ["+5%", 100, true, 5],
  ["-25%", 3, true, 0],
  ["-25%", 3, false, -1],
  ["3", 10, true, undefined],
  ["0", 10, true, undefined],
  ["-1", 10, true, undefined],
  [" 25%", 4, true, undefined],
  ["25% ", 4, true, undefined],
  ["25 %", 4, true, undefined],
  ["2.5%", 4, true, undefined],
  ["25%%", 4, true, undefined],
  ["%", 4, true, undefined],
  ["", 4, true, undefined],
  ["0x10%", 4, true, undefined],
  ["1_0%", 4, true, undefined],
  ["abc", 4, true, undefined],
  ["99999999999999999999%", 4, true, undefined],
  [2.5, 4, true, undefined],
  [Number.NaN, 4, true, undefined],
  [undefined, 4, true, undefined],
  [null, 4, true, undefined],
  [true, 4, true, undefined],
  [{}, 4, true, undefined],
];

describe("scaleIntOrPercent (intstr.GetScaledValueFromIntOrPercent)", () => {
  for (const [value, total, roundUp, want] of CASES) {
    it(`${JSON.stringify(value) ?? String(value)} of ${total}, rounding ${roundUp ? "up" : "down"}: ${want ?? "invalid"}`, () => {
      assert.equal(scaleIntOrPercent(value, total, roundUp), want);
    });
  }

  it("agrees with the simulator's independent copy on every value the API server admits", () => {
    // The API server admits non-negative integers and strings matching ^[0-9]+%$ (apps and policy validation).
    const admitted: (number | string)[] = [
      0,
      1,
      2,
      7,
      100,
      "0%",
      "1%",
      "10%",
      "25%",
      "33%",
      "50%",
      "99%",
      "100%",
    ];
    for (const value of admitted) {
      for (const total of [0, 1, 2, 3, 4, 7, 10, 101]) {
        for (const roundUp of [true, false]) {
          assert.equal(
            scaleIntOrPercent(value, total, roundUp),
            scaledValue(value, total, roundUp),
            `${JSON.stringify(value)} of ${total}`,
          );
        }
      }
    }
  });
});

describe("resolveRollingUpdate (the Deployment controller's ResolveFenceposts after API defaulting)", () => {
  const cases: [maxSurge: unknown, maxUnavailable: unknown, replicas: number, want: object][] = [
    [undefined, undefined, 4, { surge: 1, unavailable: 1 }],
    [undefined, undefined, 1, { surge: 1, unavailable: 0 }],
    [undefined, undefined, 3, { surge: 1, unavailable: 0 }],
    [undefined, undefined, 8, { surge: 2, unavailable: 2 }],
    [1, 0, 3, { surge: 1, unavailable: 0 }],
    ["50%", "50%", 3, { surge: 2, unavailable: 1 }],
    // Both resolve to 0: the controller takes one pod down rather than never progressing.
    [0, 0, 4, { surge: 0, unavailable: 1 }],
    ["0%", "10%", 3, { surge: 0, unavailable: 1 }],
    ["3", 0, 3, { surge: undefined, unavailable: 0 }],
    [1, "3", 3, { surge: 1, unavailable: undefined }],
  ];
  for (const [maxSurge, maxUnavailable, replicas, want] of cases) {
    it(`maxSurge ${JSON.stringify(maxSurge) ?? "unset"}, maxUnavailable ${JSON.stringify(maxUnavailable) ?? "unset"} at ${replicas}`, () => {
      assert.deepEqual(resolveRollingUpdate(maxSurge, maxUnavailable, replicas), want);
    });
  }
});

describe("pdbDesiredHealthy (the disruption controller's getExpectedPodCount)", () => {
  const cases: [
    spec: { minAvailable?: unknown; maxUnavailable?: unknown },
    expected: number,
    want: number | undefined,
  ][] = [
    [{ maxUnavailable: 1 }, 3, 2],
    [{ maxUnavailable: "25%" }, 4, 3],
    // maxUnavailable rounds up: 10% of 3 is one pod, so two must stay healthy.
    [{ maxUnavailable: "10%" }, 3, 2],
    [{ maxUnavailable: 5 }, 3, 0],
    [{ maxUnavailable: 0 }, 3, 3],
    [{ minAvailable: 2 }, 3, 2],
    [{ minAvailable: 4 }, 3, 4],
    [{ minAvailable: "50%" }, 3, 2],
    [{ minAvailable: "100%" }, 5, 5],
    // maxUnavailable wins when both are set, as the controller checks it first.
    [{ maxUnavailable: 1, minAvailable: "100%" }, 5, 4],
    [{}, 5, 0],
    [{ minAvailable: "3" }, 5, undefined],
    [{ maxUnavailable: "1" }, 5, undefined],
    [{ minAvailable: 1.5 }, 5, undefined],
  ];
  for (const [spec, expected, want] of cases) {
    it(`${JSON.stringify(spec)} of ${expected}: ${want ?? "invalid"}`, () => {
      assert.equal(pdbDesiredHealthy(spec, expected), want);
    });
  }
});
