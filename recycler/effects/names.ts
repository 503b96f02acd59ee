/** How the recycler names itself in what it writes: the field manager of its writes and the source of its Events. */
export const FIELD_MANAGER = "rotor-recycler";
export const EVENT_SOURCE = "rotor-recycler";
