import { describe, expect, it } from "vitest";
import { readLines, type StreamLine } from "@/server/http/read-lines";

/** The bytes of `text` in chunks of `size` (a chunk boundary falls inside lines and inside multi-byte characters). */
async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield new Uint8Array(bytes.subarray(i, i + size));
}

const all = async (text: string | Buffer, size: number, max = 1 << 20) => {
  const out: StreamLine[] = [];
  for await (const l of readLines(chunksOf(Buffer.isBuffer(text) ? text : Buffer.from(text), size), max)) out.push(l);
  return out;
};

describe("readLines", () => {
  const text = '\ufeff{"a":"é€😀"}\r\n\n   \n{"b":2}\n{"c":"' + "x".repeat(300) + '"}';

  it("numbers lines as an editor does, skips blank ones, drops \\r and the BOM, whatever the chunk size", async () => {
    const expected = [
      { n: 1, text: '{"a":"é€😀"}', bytes: Buffer.byteLength('\ufeff{"a":"é€😀"}\r') },
      { n: 4, text: '{"b":2}', bytes: 7 },
      { n: 5, text: `{"c":"${"x".repeat(300)}"}`, bytes: 308 },
    ];
    for (const size of [1, 2, 3, 5, 17, 64, 1 << 16]) expect(await all(text, size), `chunks of ${size}`).toEqual(expected);
    expect(await all(text + "\n", 7)).toEqual(expected);
  });

  it("gives a line longer than the limit by number and length, without its text, and goes on", async () => {
    const long = "y".repeat(1000);
    const lines = await all(`{"a":1}\n${long}\n{"b":2}\n${long}`, 64, 999);
    expect(lines).toEqual([
      { n: 1, text: '{"a":1}', bytes: 7 },
      { n: 2, text: null, bytes: 1000 },
      { n: 3, text: '{"b":2}', bytes: 7 },
      { n: 4, text: null, bytes: 1000 },
    ]);
    // at the limit exactly, the line is kept
    expect((await all(long, 64, 1000))[0].text).toBe(long);
  });

  it("stops reading the stream when the caller stops", async () => {
    let pulled = 0;
    async function* counted() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield new Uint8Array(Buffer.from(`{"i":${i}}\n`));
      }
    }
    for await (const l of readLines(counted(), 100)) if (l.n === 3) break;
    expect(pulled).toBe(3);
  });
});
