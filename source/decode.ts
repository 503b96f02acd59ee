/**
 * Turns file bytes into text, or says why they are not text rotor reads. rotor reads UTF-8 only, as Kubernetes
 * does (the API server and kubectl take UTF-8 YAML and JSON); the encodings YAML 1.2 also allows (UTF-16 and
 * UTF-32, told apart by their first bytes as the spec's section 5.2 does) are refused with the fix.
 */

const BOM = 0xfeff;

/** Text without the byte-order mark a Windows editor may put at its start: the mark is not content. */
export function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === BOM ? text.slice(1) : text;
}

/** The encoding YAML 1.2 (section 5.2) reads from a stream's first bytes, when it is not UTF-8. */
function wideEncoding(b: Uint8Array): "UTF-16" | "UTF-32" | undefined {
  // Without a byte-order mark, the first character of a YAML or JSON stream is ASCII: that is what tells them.
  const ascii = (i: number) => {
    const c = b[i];
    return c !== undefined && (c === 9 || c === 10 || c === 13 || (c >= 0x20 && c < 0x7f));
  };
  if (b.length >= 4) {
    if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return "UTF-32";
    if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return "UTF-32";
    if (b[0] === 0 && b[1] === 0 && b[2] === 0 && ascii(3)) return "UTF-32";
    if (ascii(0) && b[1] === 0 && b[2] === 0 && b[3] === 0) return "UTF-32";
  }
  if (b.length >= 2) {
    if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) return "UTF-16";
    if ((b[0] === 0 && ascii(1)) || (ascii(0) && b[1] === 0)) return "UTF-16";
  }
  return undefined;
}

/**
 * Decodes file bytes as UTF-8 text without its byte-order mark, or explains, as the rest of a sentence that
 * starts with the file's name, why they are not YAML or JSON: UTF-16 or UTF-32, NUL bytes (a binary file),
 * invalid UTF-8.
 */
export function decodeText(bytes: Uint8Array): { readonly text: string } | { readonly error: string } {
  const wide = wideEncoding(bytes);
  if (wide) return { error: `is ${wide} encoded; save it as UTF-8.` };
  const head = bytes.subarray(0, 8000);
  if (head.includes(0)) return { error: "is a binary file (it contains NUL bytes), not YAML or JSON." };
  try {
    return { text: withoutByteOrderMark(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) };
  } catch {
    return { error: "is not valid UTF-8 text, so it cannot be YAML or JSON." };
  }
}
