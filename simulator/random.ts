/**
 * Seeded randomness. Every random choice the simulator makes (fault decisions, generated names, UIDs) comes
 * from a named stream derived from the seed, and each stream only advances when it is used, so decisions on
 * one route do not shift when requests on another route interleave differently.
 */

/** FNV-1a over UTF-16 code units, 32 bits. */
export function fnv1a32(text: string, hash = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The murmur3 finaliser: a good 32-bit mixing function. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A family of independent, reproducible random streams keyed by name. */
export class RandomStreams {
  private readonly counters = new Map<string, number>();

  constructor(readonly seed: number) {}

  /** The next number in [0, 1) of stream `name`. */
  next(name: string): number {
    const n = this.counters.get(name) ?? 0;
    this.counters.set(name, n + 1);
    const a = fmix32(fnv1a32(name, fmix32(this.seed >>> 0) ^ 0x9e3779b9));
    const b = fmix32(a ^ fmix32(n + 0x632be5ab));
    const c = fmix32(b + Math.imul(n, 0x27d4eb2d));
    return ((b >>> 5) * 67108864 + (c >>> 6)) / 9007199254740992;
  }

  /** An integer in [0, n) from stream `name`. */
  int(name: string, n: number): number {
    return Math.floor(this.next(name) * n);
  }

  /** A string of `length` characters drawn from `alphabet`. */
  string(name: string, length: number, alphabet: string): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[this.int(name, alphabet.length)];
    return out;
  }

  /** A version-4 UUID drawn from stream `name`. */
  uuid(name: string): string {
    const hex = "0123456789abcdef";
    let out = "";
    for (let i = 0; i < 32; i++) {
      let digit = this.int(name, 16);
      if (i === 12) digit = 4;
      if (i === 16) digit = 8 + (digit & 3);
      out += hex[digit];
      if (i === 7 || i === 11 || i === 15 || i === 19) out += "-";
    }
    return out;
  }
}

/** The alphabet Kubernetes uses for generated name suffixes and pod-template-hash (no vowels, no 0/1/3). */
export const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * Encodes a number like Kubernetes' `rand.SafeEncodeString(fmt.Sprint(n))`: each decimal digit is mapped
 * through {@link SAFE_ALPHABET}, which is how `pod-template-hash` values get their shape.
 */
export function safeEncodeNumber(n: number): string {
  return [...String(n)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join("");
}
