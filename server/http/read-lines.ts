/** A line of a byte stream: its number (1-based, as an editor shows it) and its text, or null when it was too long. */
export interface StreamLine {
  n: number;
  /** Without the `\n`, a trailing `\r` or (on line 1) a UTF-8 byte order mark; null: longer than the limit. */
  text: string | null;
  /** The line's length in bytes (all of it, also when too long). */
  bytes: number;
}

const NL = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The non-blank lines of a byte stream (NDJSON), split on `\n` as the chunks arrive: only the line being read is
 * held, never the stream. `\n` never occurs inside a multi-byte UTF-8 sequence, so splitting the bytes before
 * decoding is safe. A line longer than `maxLineBytes` is not kept: its bytes are counted and dropped, and it is
 * yielded with `text: null` once it ends, so the caller can refuse it by number without the memory it would take.
 */
export async function* readLines(chunks: AsyncIterable<Uint8Array>, maxLineBytes: number): AsyncGenerator<StreamLine, void, undefined> {
  let n = 1;
  let parts: Buffer[] = [];
  let held = 0;
  let bytes = 0;
  const done = (text: string | null): StreamLine | null => {
    const line = { n: n++, text, bytes };
    parts = [];
    held = 0;
    bytes = 0;
    return text !== null && text.trim() === "" ? null : line;
  };
  const decode = (b: Buffer): string => {
    if (n === 1 && b.subarray(0, 3).equals(BOM)) b = b.subarray(3);
    return b.toString("utf8", 0, b.length > 0 && b[b.length - 1] === 0x0d ? b.length - 1 : b.length);
  };
  const joined = () => (parts.length === 1 ? parts[0] : Buffer.concat(parts, held));
  for await (const chunk of chunks) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(NL, pos);
      const end = nl < 0 ? buf.length : nl;
      const whole = bytes === 0 && nl >= 0;
      bytes += end - pos;
      if (bytes > maxLineBytes) {
        parts = [];
        held = 0;
      } else if (!whole && end > pos) {
        // a copy of the piece only: the rest of the chunk is not kept alive by a line that goes on in the next one
        parts.push(Buffer.from(buf.subarray(pos, end)));
        held += end - pos;
      }
      if (nl < 0) break;
      const line = done(bytes > maxLineBytes ? null : decode(whole ? buf.subarray(pos, end) : joined()));
      if (line) yield line;
      pos = nl + 1;
    }
  }
  if (bytes > 0) {
    const line = done(bytes > maxLineBytes ? null : decode(joined()));
    if (line) yield line;
  }
}
