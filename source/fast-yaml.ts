/**
 * A fast path for the YAML that Kubernetes manifests are made of: block mappings and sequences, plain and
 * single-line quoted scalars, single-line flow collections, literal and folded block scalars, comments. It is
 * several times faster than a full YAML parser because it works line by line on the source string and builds
 * plain values directly.
 *
 * It never guesses. Anything outside that subset, and anything a YAML parser would reject (tabs in indentation,
 * duplicate keys, anchors, tags, multi-line plain or quoted scalars, complex keys, explicit indentation
 * indicators, directives), makes it give up on that document, and the caller parses the document with the `yaml`
 * library, which also produces the error messages. Values follow the YAML 1.2 core schema exactly as `yaml`
 * resolves them, which the differential tests check.
 */

/** Thrown inside the parser when a document leaves the subset; never escapes this module. */
class Unsupported extends Error {
  constructor() {
    super("outside the fast YAML subset");
  }
}
// One instance, created once: throwing it costs no stack capture.
const UNSUPPORTED = new Unsupported();

/**
 * Whether a value starting with character code `c` needs more than the fast path: an anchor (&), alias (*), tag
 * (!), directive (%), reserved indicator (@ or `), block scalar (| or >) or comment (#).
 */
function isReservedIndicator(c: number): boolean {
  return (
    c === 38 ||
    c === 42 ||
    c === 33 ||
    c === 37 ||
    c === 64 ||
    c === 96 ||
    c === 124 ||
    c === 62 ||
    c === HASH
  );
}

/** A document's place in a file: its content region and where a fallback parser should start reading. */
export interface DocumentSlice {
  /** Offset of the first line after the `---` marker (or 0 for a document without one). */
  readonly start: number;
  /** Offset just past the document (the start of the next marker line, or the end of the text). */
  readonly end: number;
  /** 1-based line number of `start`. */
  readonly line: number;
  /** Offset of the document's `---` line (or 0), so the fallback sees the whole document. */
  readonly sourceStart: number;
  /** 1-based line number of `sourceStart`. */
  readonly sourceLine: number;
  /** Set when the marker line carries content (`--- |`, `--- !tag`): only the fallback can read it. */
  readonly inlineContent: boolean;
}

/**
 * Splits a YAML stream at `---` lines the way YAML does (a document marker at the start of a line always
 * starts a new document). Returns undefined when the stream uses directives or `...` end markers, which only the
 * full parser handles.
 */
export function splitDocuments(text: string): DocumentSlice[] | undefined {
  const slices: DocumentSlice[] = [];
  const length = text.length;
  // A byte-order mark at the very start of the stream is not content (yaml reads past it too); one anywhere else is.
  const first = text.charCodeAt(0) === BOM ? 1 : 0;
  let start = first;
  let line = 1;
  let sourceStart = 0;
  let sourceLine = 1;
  let inlineContent = false;
  let afterMarker = false;
  let pos = first;
  let current = 1;
  while (pos < length) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = length;
    const c = text.charCodeAt(pos);
    if (
      (c === 45 || c === 46) &&
      text.charCodeAt(pos + 1) === c &&
      text.charCodeAt(pos + 2) === c &&
      isBoundary(text, pos + 3, nl)
    ) {
      if (c === 46) return undefined; // `...`
      if (afterMarker || hasContent(text, start, pos)) {
        slices.push({ start, end: pos, line, sourceStart, sourceLine, inlineContent });
      }
      const rest = trimWhite(text.slice(pos + 3, nl));
      inlineContent = rest !== "" && !rest.startsWith("#");
      afterMarker = true;
      sourceStart = pos;
      sourceLine = current;
      start = Math.min(nl + 1, length);
      line = current + 1;
    } else if (c === 37 && !afterMarker) {
      return undefined; // `%YAML` / `%TAG` directive
    }
    pos = nl + 1;
    current++;
  }
  if (afterMarker || hasContent(text, start, length)) {
    slices.push({ start, end: length, line, sourceStart, sourceLine, inlineContent });
  }
  return slices;
}

function isBoundary(text: string, i: number, lineEnd: number): boolean {
  if (i >= lineEnd) return true;
  const c = text.charCodeAt(i);
  return c === 32 || c === 9 || c === 13;
}

function hasContent(text: string, start: number, end: number): boolean {
  let pos = start;
  while (pos < end) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0 || nl > end) nl = end;
    let i = pos;
    while (i < nl && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 13))
      i++;
    if (i < nl && text.charCodeAt(i) !== 35) return true;
    pos = nl + 1;
  }
  return false;
}

/** Positions recorded in record mode: path key (segments joined by NUL) to 1-based [line, column]. */
export type Positions = Map<string, [number, number]>;

/** Joins a field path into the key `Positions` uses. */
export function pathKey(path: readonly (string | number)[]): string {
  return path.join("\0");
}

/**
 * Parses one document's region. Returns `{ value }`, or undefined when the document leaves the subset. With
 * `positions`, records where every key and sequence item starts, in flow collections too.
 */
export function parseDocumentFast(
  text: string,
  slice: DocumentSlice,
  positions?: Positions,
): { value: unknown } | undefined {
  // yaml reads past a leading byte-order mark but then refuses some valid documents (`\ufeff- a`): its call.
  if (slice.inlineContent || text.charCodeAt(slice.sourceStart) === BOM) return undefined;
  try {
    return { value: new Parser(text, slice.start, slice.end, slice.line, positions).document() };
  } catch (error) {
    // Nesting deeper than the stack allows is left to the full parser (and its error message) too.
    if (error === UNSUPPORTED || error instanceof RangeError) return undefined;
    throw error;
  }
}

const SPACE = 32;
const TAB = 9;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DQUOTE = 34;
const SQUOTE = 39;
const BOM = 0xfeff;

class Parser {
  /** Start of the current line, its end (before `\r\n`), its indentation and the start of its content. */
  private pos = 0;
  private le = 0;
  private ind = 0;
  private cs = 0;
  private next = 0;
  private lineNo = 0;
  private eof = false;
  private readonly path: (string | number)[] = [];

  constructor(
    private readonly src: string,
    start: number,
    private readonly end: number,
    line: number,
    private readonly positions?: Positions,
  ) {
    this.next = start;
    this.lineNo = line - 1;
  }

  document(): unknown {
    this.advance();
    if (this.eof) return null;
    this.record();
    const value = this.blockNode(-1);
    if (!this.eof) throw UNSUPPORTED;
    return value;
  }

  /** Moves to the next line that is neither blank nor a comment. */
  private advance(): void {
    const src = this.src;
    for (;;) {
      if (this.next >= this.end) {
        this.eof = true;
        return;
      }
      const pos = this.next;
      let nl = src.indexOf("\n", pos);
      if (nl < 0 || nl >= this.end) nl = this.end;
      this.next = nl + 1;
      this.lineNo++;
      let le = nl;
      if (le > pos && src.charCodeAt(le - 1) === 13) le--;
      let i = pos;
      while (i < le && src.charCodeAt(i) === SPACE) i++;
      if (i === le) continue;
      const c = src.charCodeAt(i);
      if (c === HASH) continue;
      // yaml reads past a byte-order mark that starts a line before a document's content, and reads it as content after.
      if (c === BOM && i === pos) throw UNSUPPORTED;
      if (c === TAB) {
        let j = i;
        while (j < le && (src.charCodeAt(j) === TAB || src.charCodeAt(j) === SPACE)) j++;
        // yaml refuses a document that ends in a line of only tabs without a line end (`---\n\t`): left to it.
        if (j === le && nl === this.end && src.charCodeAt(nl) !== 10) throw UNSUPPORTED;
        if (j === le || src.charCodeAt(j) === HASH) continue;
        throw UNSUPPORTED;
      }
      this.pos = pos;
      this.le = le;
      this.ind = i - pos;
      this.cs = i;
      return;
    }
  }

  private record(): void {
    if (this.positions) this.positions.set(pathKey(this.path), [this.lineNo, this.cs - this.pos + 1]);
  }

  private recordAt(p: number): void {
    if (this.positions) this.positions.set(pathKey(this.path), [this.lineNo, p - this.pos + 1]);
  }

  /** Parses a flow entry whose key or item starts at `p` with `part` on the path, recording where it starts. */
  private recorded<T>(part: string | number, p: number, parse: () => T): T {
    this.path.push(part);
    this.recordAt(p);
    const result = parse();
    this.path.pop();
    return result;
  }

  private isSeqAt(p: number): boolean {
    if (this.src.charCodeAt(p) !== DASH) return false;
    if (p + 1 >= this.le) return true;
    const c = this.src.charCodeAt(p + 1);
    return c === SPACE || c === TAB;
  }

  /** A node starting on the current line, which is indented more than `parent`. */
  private blockNode(parent: number): unknown {
    const cs = this.cs;
    if (this.isSeqAt(cs)) return this.sequence(this.ind);
    if (this.keyEnd(cs) >= 0) return this.mapping(this.ind, cs);
    const value = this.inline(cs);
    this.advance();
    if (!this.eof && this.ind > parent) throw UNSUPPORTED;
    return value;
  }

  private mapping(indent: number, first: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let p = first;
    for (;;) {
      const colon = this.keyEnd(p);
      if (colon < 0) throw UNSUPPORTED;
      const key = this.key(p, colon);
      if (Object.prototype.hasOwnProperty.call(out, key)) throw UNSUPPORTED;
      this.path.push(key);
      this.recordAt(p);
      out[key] = this.valueAfter(colon + 1, indent);
      this.path.pop();
      if (this.eof || this.ind < indent) return out;
      if (this.ind > indent || this.isSeqAt(this.cs)) throw UNSUPPORTED;
      p = this.cs;
    }
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      let p = this.cs + 1;
      const src = this.src;
      while (p < this.le && src.charCodeAt(p) === SPACE) p++;
      if (p < this.le && src.charCodeAt(p) === TAB) throw UNSUPPORTED;
      this.path.push(out.length);
      this.recordAt(p < this.le ? p : this.cs);
      let item: unknown;
      if (p >= this.le || src.charCodeAt(p) === HASH) {
        this.advance();
        item = !this.eof && this.ind > indent ? this.blockNode(indent) : null;
      } else if (this.isSeqAt(p)) {
        throw UNSUPPORTED;
      } else if (src.charCodeAt(p) === 124 || src.charCodeAt(p) === 62) {
        item = this.blockScalar(p, indent);
      } else if (this.keyEnd(p) >= 0) {
        item = this.mapping(p - this.pos, p);
      } else {
        item = this.inline(p);
        this.advance();
        if (!this.eof && this.ind > indent) throw UNSUPPORTED;
      }
      this.path.pop();
      out.push(item);
      if (this.eof || this.ind < indent) return out;
      if (this.ind > indent) throw UNSUPPORTED;
      if (!this.isSeqAt(this.cs)) return out;
    }
  }

  /** The value after a key's colon at `p`; leaves the parser on the first line after the value. */
  private valueAfter(p: number, indent: number): unknown {
    const src = this.src;
    while (p < this.le && (src.charCodeAt(p) === SPACE || src.charCodeAt(p) === TAB)) p++;
    if (p >= this.le || src.charCodeAt(p) === HASH) {
      this.advance();
      if (this.eof) return null;
      if (this.ind > indent) return this.blockNode(indent);
      if (this.ind === indent && this.isSeqAt(this.cs)) return this.sequence(indent);
      return null;
    }
    const c = src.charCodeAt(p);
    if (c === 124 || c === 62) return this.blockScalar(p, indent);
    const value = this.inline(p);
    this.advance();
    if (!this.eof && this.ind > indent) throw UNSUPPORTED;
    return value;
  }

  /**
   * Where the mapping key starting at `p` ends (the offset of its `:`), or -1 when the line is not a key line.
   * Throws for keys outside the subset.
   */
  private keyEnd(p: number): number {
    const src = this.src;
    const le = this.le;
    const c = src.charCodeAt(p);
    if (c === DQUOTE || c === SQUOTE) {
      let q: number;
      try {
        q = c === DQUOTE ? this.doubleQuoted(p).next : this.singleQuoted(p).next;
      } catch (error) {
        if (error === UNSUPPORTED) return -1;
        throw error;
      }
      while (q < le && src.charCodeAt(q) === SPACE) q++;
      if (src.charCodeAt(q) !== COLON || q >= le) return -1;
      const after = src.charCodeAt(q + 1);
      return q + 1 >= le || after === SPACE || after === TAB ? q : -1;
    }
    // `[`, `{`, `&`, `*`, `!`, `|`, `>`, `%`, `@`, backtick, `#`, `,`, `]`, `}`: not a plain key start.
    if (
      c === 91 ||
      c === 123 ||
      c === 38 ||
      c === 42 ||
      c === 33 ||
      c === 124 ||
      c === 62 ||
      c === 37 ||
      c === 64 ||
      c === 96 ||
      c === HASH ||
      c === 44 ||
      c === 93 ||
      c === 125
    ) {
      return -1;
    }
    for (let i = p; i < le; i++) {
      const d = src.charCodeAt(i);
      if (d === HASH && i > p && isWhite(src.charCodeAt(i - 1))) return -1;
      if (d === COLON && (i + 1 >= le || isWhite(src.charCodeAt(i + 1)))) return i;
    }
    return -1;
  }

  private key(p: number, colon: number): string {
    const c = this.src.charCodeAt(p);
    if (c === DQUOTE) return this.doubleQuoted(p).value;
    if (c === SQUOTE) return this.singleQuoted(p).value;
    const text = trimWhite(this.src.slice(p, colon));
    // `?` and `-` followed by a space are indicators; non-string keys and merge keys are left to the full parser.
    if (
      text === "" ||
      text === "<<" ||
      text === "__proto__" ||
      ((c === 63 || c === DASH) && isWhite(this.src.charCodeAt(p + 1)))
    ) {
      throw UNSUPPORTED;
    }
    if (typeof resolvePlain(text) !== "string") throw UNSUPPORTED;
    return text;
  }

  /** A scalar or flow collection on one line; the rest of the line must be blank or a comment. */
  private inline(p: number): unknown {
    const src = this.src;
    const c = src.charCodeAt(p);
    let value: unknown;
    let q: number;
    if (c === DQUOTE || c === SQUOTE) {
      const r = c === DQUOTE ? this.doubleQuoted(p) : this.singleQuoted(p);
      value = r.value;
      q = r.next;
    } else if (c === 91 || c === 123) {
      const r = this.flow(p);
      value = r.value;
      q = r.next;
    } else {
      // A plain scalar cannot start with an indicator: `,`, `]` and `}` are errors to yaml, the rest are syntax.
      if (isReservedIndicator(c) || c === 44 || c === 93 || c === 125) throw UNSUPPORTED;
      if ((c === 63 || c === COLON || c === DASH) && (p + 1 >= this.le || isWhite(src.charCodeAt(p + 1))))
        throw UNSUPPORTED;
      const le = this.le;
      let stop = le;
      for (let i = p + 1; i < le; i++) {
        const d = src.charCodeAt(i);
        if (d === HASH && isWhite(src.charCodeAt(i - 1))) {
          stop = i;
          break;
        }
        if (d === COLON && (i + 1 >= le || isWhite(src.charCodeAt(i + 1)))) throw UNSUPPORTED;
      }
      let e = stop;
      while (e > p && isWhite(src.charCodeAt(e - 1))) e--;
      return resolvePlain(src.slice(p, e));
    }
    const start = q;
    while (q < this.le && isWhite(src.charCodeAt(q))) q++;
    if (q < this.le && (src.charCodeAt(q) !== HASH || q === start)) throw UNSUPPORTED;
    return value;
  }

  private singleQuoted(p: number): { value: string; next: number } {
    const src = this.src;
    let out = "";
    let i = p + 1;
    for (;;) {
      const q = src.indexOf("'", i);
      if (q < 0 || q >= this.le) throw UNSUPPORTED;
      out += src.slice(i, q);
      if (src.charCodeAt(q + 1) === SQUOTE && q + 1 < this.le) {
        out += "'";
        i = q + 2;
      } else {
        return { value: out, next: q + 1 };
      }
    }
  }

  private doubleQuoted(p: number): { value: string; next: number } {
    const src = this.src;
    const le = this.le;
    let out = "";
    let seg = p + 1;
    let i = seg;
    while (i < le) {
      const c = src.charCodeAt(i);
      if (c === DQUOTE) return { value: out + src.slice(seg, i), next: i + 1 };
      if (c !== 92) {
        i++;
        continue;
      }
      out += src.slice(seg, i);
      if (i + 1 >= le) throw UNSUPPORTED;
      const e = src[i + 1];
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else {
        const digits = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
        const hex = src.slice(i + 2, i + 2 + digits);
        if (digits === 0 || hex.length !== digits || i + 2 + digits > le || !/^[0-9a-fA-F]+$/.test(hex))
          throw UNSUPPORTED;
        const code = Number.parseInt(hex, 16);
        if (code > 0x10ffff) throw UNSUPPORTED;
        out += String.fromCodePoint(code);
        i += 2 + digits;
      }
      seg = i;
    }
    throw UNSUPPORTED;
  }

  /** A flow sequence or mapping that opens and closes on this line. */
  private flow(p: number): { value: unknown; next: number } {
    const src = this.src;
    const le = this.le;
    const skip = (i: number) => {
      while (i < le && isWhite(src.charCodeAt(i))) i++;
      return i;
    };
    const item = (i: number, inMap: boolean): { value: unknown; next: number } => {
      const c = src.charCodeAt(i);
      if (c === 91 || c === 123) return this.flow(i);
      if (c === DQUOTE) return this.doubleQuoted(i);
      if (c === SQUOTE) return this.singleQuoted(i);
      if (isReservedIndicator(c)) throw UNSUPPORTED;
      // `-`, `?` and `:` start a plain scalar only before a character that is "safe" inside a flow collection.
      if (
        (c === 63 || c === COLON || c === DASH) &&
        (i + 1 >= le ||
          isFlowEnd(src.charCodeAt(i + 1)) ||
          src.charCodeAt(i + 1) === 91 ||
          src.charCodeAt(i + 1) === 123)
      )
        throw UNSUPPORTED;
      let j = i;
      while (j < le) {
        const d = src.charCodeAt(j);
        if (d === 44 || d === 93 || d === 125 || d === 91 || d === 123) break;
        if (d === COLON && (j + 1 >= le || isFlowEnd(src.charCodeAt(j + 1)))) {
          if (!inMap) throw UNSUPPORTED;
          break;
        }
        if (d === HASH && isWhite(src.charCodeAt(j - 1))) throw UNSUPPORTED;
        j++;
      }
      let e = j;
      while (e > i && isWhite(src.charCodeAt(e - 1))) e--;
      if (e === i) throw UNSUPPORTED;
      return { value: resolvePlain(src.slice(i, e)), next: j };
    };
    if (src.charCodeAt(p) === 91) {
      const out: unknown[] = [];
      let i = skip(p + 1);
      for (;;) {
        if (i >= le) throw UNSUPPORTED;
        if (src.charCodeAt(i) === 93) return { value: out, next: i + 1 };
        const r = this.positions ? this.recorded(out.length, i, () => item(i, false)) : item(i, false);
        out.push(r.value);
        i = skip(r.next);
        if (src.charCodeAt(i) === 44) i = skip(i + 1);
        else if (src.charCodeAt(i) !== 93) throw UNSUPPORTED;
      }
    }
    const out: Record<string, unknown> = {};
    let i = skip(p + 1);
    for (;;) {
      if (i >= le) throw UNSUPPORTED;
      if (src.charCodeAt(i) === 125) return { value: out, next: i + 1 };
      const keyStart = i;
      const k = item(i, true);
      if (
        typeof k.value !== "string" ||
        k.value === "__proto__" ||
        Object.prototype.hasOwnProperty.call(out, k.value)
      ) {
        throw UNSUPPORTED;
      }
      i = skip(k.next);
      if (src.charCodeAt(i) !== COLON || !(i + 1 < le && isWhite(src.charCodeAt(i + 1)))) throw UNSUPPORTED;
      i = skip(i + 1);
      const at = i;
      const v = this.positions ? this.recorded(k.value, keyStart, () => item(at, true)) : item(i, true);
      out[k.value] = v.value;
      i = skip(v.next);
      if (src.charCodeAt(i) === 44) i = skip(i + 1);
      else if (src.charCodeAt(i) !== 125) throw UNSUPPORTED;
    }
  }

  /** A `|` or `>` block scalar whose header is at `p`; content lines are indented more than `parent`. */
  private blockScalar(p: number, parent: number): string {
    const src = this.src;
    const folded = src.charCodeAt(p) === 62;
    let chomp: "clip" | "strip" | "keep" = "clip";
    let i = p + 1;
    if (src.charCodeAt(i) === DASH) {
      chomp = "strip";
      i++;
    } else if (src.charCodeAt(i) === 43) {
      chomp = "keep";
      i++;
    }
    const h = i;
    while (i < this.le && isWhite(src.charCodeAt(i))) i++;
    if (i < this.le && (src.charCodeAt(i) !== HASH || i === h)) throw UNSUPPORTED;

    const lines: string[] = [];
    let contentIndent = -1;
    let leadingSpaces = 0;
    let q = this.next;
    let lineNo = this.lineNo;
    while (q < this.end) {
      let nl = src.indexOf("\n", q);
      if (nl < 0 || nl >= this.end) nl = this.end;
      let le = nl;
      if (le > q && src.charCodeAt(le - 1) === 13) le--;
      let n = 0;
      while (q + n < le && src.charCodeAt(q + n) === SPACE) n++;
      if (q + n === le) {
        if (contentIndent < 0) leadingSpaces = Math.max(leadingSpaces, n);
        else if (n > contentIndent) throw UNSUPPORTED;
        lines.push("");
      } else {
        if (contentIndent < 0) {
          // A tab before the indentation is known: yaml reads it as content, or refuses the line.
          if (src.charCodeAt(q + n) === TAB) throw UNSUPPORTED;
          if (n <= parent) break;
          if (leadingSpaces > n) throw UNSUPPORTED;
          contentIndent = n;
        }
        if (n < contentIndent) {
          if (src.charCodeAt(q + n) === TAB) throw UNSUPPORTED;
          break;
        }
        const c = src.charCodeAt(q + contentIndent);
        if (folded && (n > contentIndent || c === TAB)) throw UNSUPPORTED;
        lines.push(src.slice(q + contentIndent, le));
      }
      q = nl + 1;
      lineNo++;
    }
    let last = lines.length - 1;
    while (last >= 0 && lines[last] === "") last--;
    const trailing = lines.length - 1 - last;
    let body: string;
    if (last < 0) {
      body = "";
    } else if (!folded) {
      body = lines.slice(0, last + 1).join("\n");
    } else {
      body = "";
      let breaks = 0;
      let started = false;
      for (let j = 0; j <= last; j++) {
        const line = lines[j];
        if (line === "") {
          breaks++;
          continue;
        }
        body += started ? (breaks > 0 ? "\n".repeat(breaks) : " ") : "\n".repeat(breaks);
        body += line;
        started = true;
        breaks = 0;
      }
    }
    let value: string;
    if (chomp === "strip") value = body;
    else if (chomp === "clip") value = last < 0 ? "" : `${body}\n`;
    else value = last < 0 ? "\n".repeat(trailing) : `${body}\n${"\n".repeat(trailing)}`;

    // Continue after the scalar: the parser's next line is the first one the scalar did not take.
    this.next = q;
    this.lineNo = lineNo;
    this.advance();
    return value;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\x85",
  _: "\xa0",
  L: "\u2028",
  P: "\u2029",
};

function isWhite(c: number): boolean {
  return c === SPACE || c === TAB;
}

/**
 * Trims YAML white space (spaces, tabs, and the carriage return of a CRLF line end) from both ends. Not
 * `String.prototype.trim`: that also trims U+00A0 and other Unicode spaces, which YAML keeps as content.
 */
function trimWhite(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (isWhite(s.charCodeAt(a)) || s.charCodeAt(a) === 13)) a++;
  while (b > a && (isWhite(s.charCodeAt(b - 1)) || s.charCodeAt(b - 1) === 13)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function isFlowEnd(c: number): boolean {
  return c === SPACE || c === TAB || c === 44 || c === 93 || c === 125;
}

const NULL_RE = /^(?:~|[Nn]ull|NULL)$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const OCT_RE = /^0o[0-7]+$/;
const INT_RE = /^[-+]?[0-9]+$/;
const HEX_RE = /^0x[0-9a-fA-F]+$/;
const NAN_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** Resolves a plain scalar with the YAML 1.2 core schema, in the order and with the results of `yaml`. */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  if (c === 126 || c === 110 || c === 78) return NULL_RE.test(s) ? null : s;
  if (c === 116 || c === 84 || c === 102 || c === 70)
    return BOOL_RE.test(s) ? s.charCodeAt(0) === 116 || s.charCodeAt(0) === 84 : s;
  if ((c >= 48 && c <= 57) || c === 43 || c === DASH || c === 46) {
    if (OCT_RE.test(s)) return Number.parseInt(s.slice(2), 8);
    if (INT_RE.test(s)) return Number.parseInt(s, 10);
    if (HEX_RE.test(s)) return Number.parseInt(s.slice(2), 16);
    if (NAN_RE.test(s)) return s.slice(-3).toLowerCase() === "nan" ? NaN : c === DASH ? -Infinity : Infinity;
    if (EXP_RE.test(s) || FLOAT_RE.test(s)) return Number.parseFloat(s);
  }
  return s;
}
