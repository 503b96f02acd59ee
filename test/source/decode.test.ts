import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeText, withoutByteOrderMark } from "../../source";

const text = "apiVersion: v1\nkind: Service\n";
const utf16be = (s: string) => Buffer.from(s, "utf16le").swap16();
const utf32le = (s: string) => {
  const out = Buffer.alloc(s.length * 4);
  for (let i = 0; i < s.length; i++) out.writeUInt32LE(s.charCodeAt(i), i * 4);
  return out;
};
const utf32be = (s: string) => {
  const out = Buffer.alloc(s.length * 4);
  for (let i = 0; i < s.length; i++) out.writeUInt32BE(s.charCodeAt(i), i * 4);
  return out;
};

describe("decodeText: UTF-8 only, the other YAML encodings refused with the fix", () => {
  const cases: [name: string, bytes: Uint8Array, expected: { text: string } | { error: string }][] = [
    ["UTF-8", Buffer.from(text), { text }],
    ["UTF-8 with a byte-order mark (dropped)", Buffer.from(`\ufeff${text}`), { text }],
    ["an empty file", Buffer.alloc(0), { text: "" }],
    [
      "UTF-16 little-endian with a byte-order mark",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
      { error: "is UTF-16 encoded; save it as UTF-8." },
    ],
    [
      "UTF-16 big-endian with a byte-order mark",
      Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)]),
      { error: "is UTF-16 encoded; save it as UTF-8." },
    ],
    [
      "UTF-16 little-endian without a mark",
      Buffer.from(text, "utf16le"),
      { error: "is UTF-16 encoded; save it as UTF-8." },
    ],
    ["UTF-16 big-endian without a mark", utf16be(text), { error: "is UTF-16 encoded; save it as UTF-8." }],
    [
      "UTF-32 little-endian with a byte-order mark",
      utf32le(`\ufeff${text}`),
      { error: "is UTF-32 encoded; save it as UTF-8." },
    ],
    [
      "UTF-32 big-endian with a byte-order mark",
      utf32be(`\ufeff${text}`),
      { error: "is UTF-32 encoded; save it as UTF-8." },
    ],
    ["UTF-32 little-endian without a mark", utf32le(text), { error: "is UTF-32 encoded; save it as UTF-8." }],
    ["UTF-32 big-endian without a mark", utf32be(text), { error: "is UTF-32 encoded; save it as UTF-8." }],
    [
      "a binary file (an ELF header)",
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]),
      { error: "is a binary file (it contains NUL bytes), not YAML or JSON." },
    ],
    [
      "invalid UTF-8 (Latin-1)",
      Buffer.from("name: caf\xe9\n", "latin1"),
      { error: "is not valid UTF-8 text, so it cannot be YAML or JSON." },
    ],
  ];
  for (const [name, bytes, expected] of cases) {
    test(name, () => assert.deepEqual(decodeText(bytes), expected));
  }

  test("withoutByteOrderMark drops one mark at the start and nothing else", () => {
    assert.equal(withoutByteOrderMark("\ufeffa: 1"), "a: 1");
    assert.equal(withoutByteOrderMark("\ufeff\ufeffa"), "\ufeffa");
    assert.equal(withoutByteOrderMark("a: \ufeff"), "a: \ufeff");
  });
});
