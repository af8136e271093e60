/** Next hands page params over still percent-encoded; an undecodable one is shown as it came. */
export function decodeParam(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
