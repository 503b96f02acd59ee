// Preloaded (`node --require`) into a recycler run by the e2e tests: its wall clock runs
// ROTOR_E2E_CLOCK_AHEAD_MS ahead of the machine's, so that pods created seconds ago are, to the recycler,
// older than the smallest --max-age it accepts (5m). Only Date.now() and `new Date()` move; timers do not.
"use strict";
const ahead = Number(process.env.ROTOR_E2E_CLOCK_AHEAD_MS || 0);
if (ahead) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class AheadDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + ahead);
      else super(...args);
    }
    static now() {
      return realNow() + ahead;
    }
  }
  globalThis.Date = AheadDate;
}
