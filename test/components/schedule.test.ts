import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkSchedule,
  describeSchedule,
  profileSchedule,
  shortestPeriodMs,
} from "../../components/schedule";
import { parseWindow, type Window } from "../../contract/window";

const windows = (...texts: string[]) => texts.map((t) => parseWindow(t) as Window);

describe("schedules", () => {
  it("accepts what the CronJob controller accepts", () => {
    for (const s of [
      "*/15 * * * *",
      "0 9-17 * * MON-FRI",
      "5 4 * * 0",
      "0 0 1 */3 *",
      "@hourly",
      "@daily",
      "@weekly",
      "0 0 ? * *",
    ]) {
      assert.equal(checkSchedule(s), undefined, s);
    }
  });

  it("puts a schedule into words with its zone", () => {
    assert.equal(describeSchedule("*/15 * * * *", "Etc/UTC"), "every 15 minutes (Etc/UTC)");
    assert.equal(
      describeSchedule("*/20 * * * 1-4", "America/New_York"),
      "every 20 minutes, Monday through Thursday (America/New_York)",
    );
  });

  it("profiles runs inside windows over a week", () => {
    const p = profileSchedule("*/15 * * * *", "Europe/Berlin", windows("Mon-Fri 09:00-17:00"));
    assert.equal(p.runsPerWeek, 5 * 8 * 4);
    assert.equal(p.longestGapMs, (2 * 24 + 16) * 3_600_000 + 15 * 60_000);
    assert.deepEqual(p.emptyWindows, []);
    const always = profileSchedule("0 * * * *", "Etc/UTC", []);
    assert.equal(always.runsPerWeek, 168);
    assert.equal(always.longestGapMs, 3_600_000);
  });

  it("finds windows a schedule never reaches, per day", () => {
    const p = profileSchedule("0 3 * * *", "Etc/UTC", windows("Mon-Fri 09:00-17:00", "Sat 02:00-04:00"));
    assert.equal(p.runsPerWeek, 1);
    assert.deepEqual(p.emptyWindows, [{ index: 0, days: ["Mon", "Tue", "Wed", "Thu", "Fri"] }]);
  });

  it("measures the shortest period", () => {
    assert.equal(shortestPeriodMs("*/15 * * * *", "Etc/UTC"), 900_000);
    assert.equal(shortestPeriodMs("0 9,10 * * *", "Etc/UTC"), 3_600_000);
  });
});
