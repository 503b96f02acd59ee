import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkTimeZone, inWindows, localTime, parseWindow, type Window } from "../../contract/window";

function window(text: string): Window {
  const parsed = parseWindow(text);
  if (typeof parsed === "string") assert.fail(`${text}: ${parsed}`);
  return parsed;
}

describe("windows", () => {
  it("parses days, ranges, lists and wrapping ranges", () => {
    assert.deepEqual([...window("Mon-Fri 09:00-17:00").days], [0, 1, 2, 3, 4]);
    assert.deepEqual([...window("Sat,Sun 00:00-24:00").days], [5, 6]);
    assert.deepEqual([...window("Fri-Mon 22:00-06:00").days], [4, 5, 6, 0]);
    assert.deepEqual([...window("mon-wed,fri 10:00-11:00").days], [0, 1, 2, 4]);
    const w = window("Tue 22:30-06:15");
    assert.equal(w.start, 22 * 60 + 30);
    assert.equal(w.end, 6 * 60 + 15);
  });

  const invalid: [string, string][] = [
    [
      "Mon-Fri",
      'must be days then a time range, like "Mon-Fri 09:00-17:00" or "Sat,Sun 00:00-24:00" (days Mon..Sun, 24-hour times, an end before the start runs past midnight)',
    ],
    [
      "Mo 09:00-17:00",
      'has an unknown day "Mo": use Mon, Tue, Wed, Thu, Fri, Sat, Sun, ranges like Mon-Fri or lists like Sat,Sun',
    ],
    [
      "Mon-Tue-Wed 09:00-17:00",
      'has an unknown day "Mon-Tue-Wed": use Mon, Tue, Wed, Thu, Fri, Sat, Sun, ranges like Mon-Fri or lists like Sat,Sun',
    ],
    [
      "Mon 09:60-17:00",
      "has a time outside 00:00-24:00: hours run 00-23, minutes 00-59, and 24:00 is allowed only as an end",
    ],
    [
      "Mon 24:00-02:00",
      "has a time outside 00:00-24:00: hours run 00-23, minutes 00-59, and 24:00 is allowed only as an end",
    ],
    [
      "Mon 09:00-09:00",
      "is empty: its start and end are the same time. Make the end later, or use 00:00-24:00 for the whole day",
    ],
  ];
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseWindow(text), message));
  }

  // 2024-01-01 is a Monday.
  const at = (iso: string) => Date.parse(iso);

  it("reads local weekday and time in a zone", () => {
    assert.deepEqual(localTime(at("2024-01-01T08:30:00Z"), "Europe/Berlin"), {
      day: 0,
      minutes: 9 * 60 + 30,
    });
    assert.deepEqual(localTime(at("2024-01-01T03:00:00Z"), "America/New_York"), { day: 6, minutes: 22 * 60 });
  });

  it("checks instants against windows in the window's zone, end exclusive", () => {
    const business = [window("Mon-Fri 09:00-17:00")];
    assert.equal(inWindows(at("2024-01-01T08:00:00Z"), "Europe/Berlin", business), true);
    assert.equal(inWindows(at("2024-01-01T07:59:00Z"), "Europe/Berlin", business), false);
    assert.equal(inWindows(at("2024-01-01T16:00:00Z"), "Europe/Berlin", business), false);
    assert.equal(inWindows(at("2024-01-06T10:00:00Z"), "Europe/Berlin", business), false);
    assert.equal(inWindows(at("2024-01-06T10:00:00Z"), "Europe/Berlin", []), true);
  });

  it("gives the early hours of a window past midnight to the day it started", () => {
    const nights = [window("Fri 22:00-06:00")];
    assert.equal(inWindows(at("2024-01-05T23:00:00Z"), "Etc/UTC", nights), true);
    assert.equal(inWindows(at("2024-01-06T05:59:00Z"), "Etc/UTC", nights), true);
    assert.equal(inWindows(at("2024-01-06T06:00:00Z"), "Etc/UTC", nights), false);
    assert.equal(inWindows(at("2024-01-05T05:00:00Z"), "Etc/UTC", nights), false);
  });
});

describe("time zones", () => {
  it("accepts IANA names", () => {
    for (const zone of ["Etc/UTC", "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]) {
      assert.equal(checkTimeZone(zone), undefined, zone);
    }
  });

  it("refuses what Kubernetes refuses, with the fix", () => {
    assert.equal(
      checkTimeZone("Local"),
      'must be an IANA time-zone name like "Europe/Berlin" or "Etc/UTC" ("Local" is not allowed in Kubernetes)',
    );
    assert.equal(
      checkTimeZone("Mars/Base"),
      'is not an IANA time-zone name; use one like "Europe/Berlin", "America/New_York" or "Etc/UTC"',
    );
    assert.equal(checkTimeZone("europe/berlin"), 'has the wrong letter case: write "Europe/Berlin"');
  });
});
