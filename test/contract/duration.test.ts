import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeDuration, formatDuration, parseDuration } from "../../contract/duration";

describe("durations", () => {
  const valid: [string, number][] = [
    ["90s", 90_000],
    ["15m", 900_000],
    ["24h", 86_400_000],
    ["7d", 604_800_000],
    ["1d12h", 129_600_000],
    ["1h30m15s", 5_415_000],
    [" 2h ", 7_200_000],
  ];
  for (const [text, ms] of valid)
    it(`parses ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), ms));

  for (const text of ["", "1", "1.5h", "h", "30m1h", "1w", "-5m", "1 d", "24H"]) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), undefined));
  }

  it("formats the shortest equal form and round-trips", () => {
    assert.equal(formatDuration(129_600_000), "1d12h");
    assert.equal(formatDuration(8_640_000), "2h24m");
    assert.equal(formatDuration(999), "0s");
    for (const [, ms] of valid) assert.equal(parseDuration(formatDuration(ms)), ms);
  });

  it("describes in words", () => {
    assert.equal(describeDuration(129_600_000), "1 day 12 hours");
    assert.equal(describeDuration(61_000), "1 minute 1 second");
    assert.equal(describeDuration(0), "0 seconds");
  });
});
