/** Exit codes every rotor command shares. */

/** Success, or findings below the failing level. */
export const EXIT_OK = 0;
/** The command ran and found what it exists to find (blocking findings, a failed rotation). */
export const EXIT_FAILURE = 1;
/** Usage or input error: unknown flags, unreadable or invalid input; nothing was changed. */
export const EXIT_USAGE = 2;
