/** An `Io` for the CLI's command functions that keeps what they write, for exact assertions. */
import type { Io } from "../../cli/render";

export interface CapturedIo extends Io {
  out(): string;
  err(): string;
}

export function captureIo(): CapturedIo {
  let out = "";
  let err = "";
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    out: () => out,
    err: () => err,
  };
}
