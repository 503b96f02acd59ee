import { closeSync, openSync, readSync, statSync } from "node:fs";
import { decodeText } from "../source";

/**
 * Reads one catalog file as text, refusing what cannot be a catalog before it costs anything: files over the
 * size limit (checked before reading), directories, binary, UTF-16 and invalid UTF-8 files.
 */

/**
 * The largest catalog file rotor reads unless told otherwise, the same as `rotor check`'s default for a manifest.
 * An app takes about 500 bytes, so this is some 30,000 apps in one file: more than anyone writes by hand, and
 * small enough that a file that is not a catalog (a log, a dump) fails at once instead of after minutes.
 */
export const DEFAULT_MAX_CATALOG_FILE_BYTES = 16 * 1024 * 1024;

export type ReadResult =
  /** The file's text. */
  | { readonly text: string }
  /** Why the path cannot be read at all (it names nothing readable), as a phrase: "does not exist". */
  | { readonly unreadable: string }
  /** Why the file's content is refused, as a sentence after the file name. */
  | { readonly refused: string };

export function readCatalogFile(file: string, maxBytes: number = DEFAULT_MAX_CATALOG_FILE_BYTES): ReadResult {
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) return { unreadable: "is a directory, not a file" };
    size = stat.size;
  } catch (error) {
    return { unreadable: reason(error) };
  }
  if (size > maxBytes) return { refused: tooBig(size, maxBytes) };
  let bytes: Buffer;
  try {
    // One byte more than its size: a file that grows while it is read is noticed, and cannot take the memory.
    bytes = readHead(file, size + 1);
  } catch (error) {
    return { unreadable: reason(error) };
  }
  if (bytes.length > size) return { refused: "changed while it was being read. Load it again." };
  const decoded = decodeText(bytes);
  return "error" in decoded ? { refused: decoded.error } : { text: decoded.text };
}

/** The first `limit` bytes of a file (all of it when shorter). */
export function readHead(file: string, limit: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(limit);
    let read = 0;
    for (let n = 1; n > 0 && read < limit; read += n) n = readSync(fd, buffer, read, limit - read, read);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function tooBig(size: number, maxBytes: number): string {
  const mib = (n: number) => (n / 1024 / 1024).toFixed(1).replace(/\.0$/, "");
  return `is ${mib(size)} MiB, over the ${mib(maxBytes)} MiB limit for one catalog file. Split its apps over several files that extend one another.`;
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "does not exist";
  if (code === "EACCES" || code === "EPERM") return "cannot be read (permission denied)";
  if (code === "ENOTDIR") return "does not exist (a part of its path is a file, not a directory)";
  return `cannot be read (${error instanceof Error ? error.message : String(error)})`;
}
