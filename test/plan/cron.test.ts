import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextRun, parseCron, runsBetween } from "../../plan/cron";

/** An ISO time with an offset, like robfig's test table writes them: 2012-03-11T00:00:00-0500. */
function at(text: string): number {
  return Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
}

function iso(ms: number | undefined): string {
  return ms === undefined ? "none" : new Date(ms).toISOString();
}

// robfig/cron v3.0.1 spec_test.go TestNext, the rows whose seconds field is 0 (Kubernetes' five-field grammar
// has none), with the seconds dropped. Rows without a zone ran in Go's Local zone; Etc/UTC here.
const TEST_NEXT: [from: string, zone: string, spec: string, expected: string][] = [
  ["2012-07-09T14:45:00+0000", "Etc/UTC", "0/15 * * * *", "2012-07-09T15:00:00+0000"],
  ["2012-07-09T14:59:00+0000", "Etc/UTC", "0/15 * * * *", "2012-07-09T15:00:00+0000"],
  ["2012-07-09T14:59:59+0000", "Etc/UTC", "0/15 * * * *", "2012-07-09T15:00:00+0000"],
  ["2012-07-09T15:45:00+0000", "Etc/UTC", "20-35/15 * * * *", "2012-07-09T16:20:00+0000"],
  ["2012-07-09T23:46:00+0000", "Etc/UTC", "*/15 * * * *", "2012-07-10T00:00:00+0000"],
  ["2012-07-09T23:45:00+0000", "Etc/UTC", "20-35/15 * * * *", "2012-07-10T00:20:00+0000"],
  ["2012-07-09T23:35:00+0000", "Etc/UTC", "0 0 9 Apr-Oct ?", "2012-08-09T00:00:00+0000"],
  ["2012-07-09T23:35:00+0000", "Etc/UTC", "0 0 */5 Apr,Aug,Oct Mon", "2012-08-01T00:00:00+0000"],
  ["2012-07-09T23:35:00+0000", "Etc/UTC", "0 0 */5 Oct Mon", "2012-10-01T00:00:00+0000"],
  ["2012-07-09T23:35:00+0000", "Etc/UTC", "0 0 * Feb Mon", "2013-02-04T00:00:00+0000"],
  ["2012-07-09T23:35:00+0000", "Etc/UTC", "0 0 * Feb Mon/2", "2013-02-01T00:00:00+0000"],
  ["2012-12-31T23:59:45+0000", "Etc/UTC", "* * * * *", "2013-01-01T00:00:00+0000"],
  ["2012-07-09T23:35:00+0000", "Etc/UTC", "0 0 29 Feb ?", "2016-02-29T00:00:00+0000"],
  // Daylight saving time 2am EST (-5) -> 3am EDT (-4).
  ["2012-03-11T00:00:00-0500", "America/New_York", "30 2 11 Mar ?", "2013-03-11T02:30:00-0400"],
  ["2012-03-11T00:00:00-0500", "America/New_York", "0 * * * ?", "2012-03-11T01:00:00-0500"],
  ["2012-03-11T01:00:00-0500", "America/New_York", "0 * * * ?", "2012-03-11T03:00:00-0400"],
  ["2012-03-11T03:00:00-0400", "America/New_York", "0 * * * ?", "2012-03-11T04:00:00-0400"],
  ["2012-03-11T04:00:00-0400", "America/New_York", "0 * * * ?", "2012-03-11T05:00:00-0400"],
  ["2012-03-11T00:00:00-0500", "America/New_York", "0 1 * * ?", "2012-03-11T01:00:00-0500"],
  ["2012-03-11T01:00:00-0500", "America/New_York", "0 1 * * ?", "2012-03-12T01:00:00-0400"],
  ["2012-03-11T00:00:00-0500", "America/New_York", "0 2 * * ?", "2012-03-12T02:00:00-0400"],
  // Daylight saving time 2am EDT (-4) -> 1am EST (-5).
  ["2012-11-04T00:00:00-0400", "America/New_York", "30 2 04 Nov ?", "2012-11-04T02:30:00-0500"],
  ["2012-11-04T01:45:00-0400", "America/New_York", "30 1 04 Nov ?", "2012-11-04T01:30:00-0500"],
  ["2012-11-04T00:00:00-0400", "America/New_York", "0 * * * ?", "2012-11-04T01:00:00-0400"],
  ["2012-11-04T01:00:00-0400", "America/New_York", "0 * * * ?", "2012-11-04T01:00:00-0500"],
  ["2012-11-04T01:00:00-0500", "America/New_York", "0 * * * ?", "2012-11-04T02:00:00-0500"],
  ["2012-11-04T00:00:00-0400", "America/New_York", "0 1 * * ?", "2012-11-04T01:00:00-0400"],
  ["2012-11-04T01:00:00-0400", "America/New_York", "0 1 * * ?", "2012-11-04T01:00:00-0500"],
  ["2012-11-04T01:00:00-0500", "America/New_York", "0 1 * * ?", "2012-11-05T01:00:00-0500"],
  ["2012-11-04T00:00:00-0400", "America/New_York", "0 2 * * ?", "2012-11-04T02:00:00-0500"],
  ["2012-11-04T02:00:00-0500", "America/New_York", "0 2 * * ?", "2012-11-05T02:00:00-0500"],
  ["2012-11-04T00:00:00-0400", "America/New_York", "0 3 * * ?", "2012-11-04T03:00:00-0500"],
  ["2012-11-04T03:00:00-0500", "America/New_York", "0 3 * * ?", "2012-11-05T03:00:00-0500"],
  ["2012-11-04T00:00:00-0400", "America/New_York", "0 3 3 * ?", "2012-12-03T03:00:00-0500"],
  // Midnight does not exist in Sao Paulo on its spring-forward day (robfig/cron issue 157).
  ["2018-10-17T05:00:00-0400", "America/Sao_Paulo", "0 9 10 * ?", "2018-11-10T06:00:00-0500"],
  ["2018-02-14T05:00:00-0500", "America/Sao_Paulo", "0 9 22 * ?", "2018-02-22T07:00:00-0500"],
];

describe("nextRun: robfig/cron v3 SpecSchedule.Next", () => {
  for (const [from, zone, spec, expected] of TEST_NEXT) {
    it(`${spec} in ${zone} after ${from} is ${expected}`, () => {
      assert.equal(iso(nextRun(parseCron(spec), zone, at(from))), iso(at(expected)));
    });
  }

  it("finds nothing for dates that never come (30 Feb, 31 Apr), like robfig's zero time", () => {
    assert.equal(nextRun(parseCron("0 0 30 Feb ?"), "Etc/UTC", at("2012-07-09T23:35:00+0000")), undefined);
    assert.equal(nextRun(parseCron("0 0 31 Apr ?"), "Etc/UTC", at("2012-07-09T23:35:00+0000")), undefined);
  });

  it("refuses a zero step, as robfig does (issue 144)", () => {
    assert.throws(() => parseCron("15/0 * * * *"), /invalid range "15\/0"/);
  });

  it("expands the descriptors Kubernetes accepts", () => {
    const from = at("2024-05-15T10:00:00+0000");
    assert.equal(iso(nextRun(parseCron("@hourly"), "Etc/UTC", from)), "2024-05-15T11:00:00.000Z");
    assert.equal(iso(nextRun(parseCron("@daily"), "Etc/UTC", from)), "2024-05-16T00:00:00.000Z");
    assert.equal(iso(nextRun(parseCron("@weekly"), "Etc/UTC", from)), "2024-05-19T00:00:00.000Z");
    assert.equal(iso(nextRun(parseCron("@monthly"), "Etc/UTC", from)), "2024-06-01T00:00:00.000Z");
    assert.equal(iso(nextRun(parseCron("@yearly"), "Etc/UTC", from)), "2025-01-01T00:00:00.000Z");
  });
});

describe("runsBetween: what the controller runs around a change of offset", () => {
  const day = (spec: string, zone: string, from: string, to: string) =>
    runsBetween(parseCron(spec), zone, at(from) - 86_400_000, at(from), at(to)).map(iso);

  it("skips 02:30 on Berlin's spring-forward day and runs it twice on the fall-back day", () => {
    assert.deepEqual(
      day("30 2 * * *", "Europe/Berlin", "2024-03-30T00:00:00+0000", "2024-04-02T00:00:00+0000"),
      ["2024-03-30T01:30:00.000Z", "2024-04-01T00:30:00.000Z"],
    );
    assert.deepEqual(
      day("30 2 * * *", "Europe/Berlin", "2024-10-26T00:00:00+0000", "2024-10-28T00:00:00+0000"),
      ["2024-10-26T00:30:00.000Z", "2024-10-27T00:30:00.000Z", "2024-10-27T01:30:00.000Z"],
    );
  });

  it("keeps every-15-minutes runs 15 minutes apart through both changes", () => {
    const spring = runsBetween(
      parseCron("*/15 * * * *"),
      "Europe/Berlin",
      at("2024-03-31T00:00:00+0000"),
      at("2024-03-31T00:00:00+0000"),
      at("2024-03-31T02:00:00+0000"),
    );
    assert.deepEqual(
      spring.slice(1).map((t, i) => t - (spring[i] ?? 0)),
      new Array(7).fill(900_000),
    );
  });

  it("skips 05:00 on both of Lord Howe Island's half-hour changes, as robfig's hour loop does", () => {
    const days = (from: string, to: string) =>
      runsBetween(
        parseCron("0 5 * * *"),
        "Australia/Lord_Howe",
        at(from) - 3 * 86_400_000,
        at(from),
        at(to),
      ).map(iso);
    assert.deepEqual(days("2024-10-04T00:00:00+0000", "2024-10-08T00:00:00+0000"), [
      "2024-10-04T18:30:00.000Z",
      "2024-10-06T18:00:00.000Z",
      "2024-10-07T18:00:00.000Z",
    ]);
    assert.deepEqual(days("2024-04-05T00:00:00+0000", "2024-04-09T00:00:00+0000"), [
      "2024-04-05T18:00:00.000Z",
      "2024-04-07T18:30:00.000Z",
      "2024-04-08T18:30:00.000Z",
    ]);
  });
});
