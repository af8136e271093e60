/** Console links to addresses and function types: each segment URL-encoded (an id may hold `/`, `%`, spaces). */
const seg = encodeURIComponent;

export const functionTypeHref = (namespace: string, type: string) => `/functions/${seg(namespace)}/${seg(type)}`;

export const addressHref = (namespace: string, type: string, id: string) => `${functionTypeHref(namespace, type)}/${seg(id)}`;

/** `ns/type/id` (the id is everything after the second `/`) as a link; null when it is not an address. */
export function addressStringHref(address: string): string | null {
  const a = address.indexOf("/");
  const b = a < 0 ? -1 : address.indexOf("/", a + 1);
  if (a <= 0 || b <= a + 1 || b === address.length - 1) return null;
  return addressHref(address.slice(0, a), address.slice(a + 1, b), address.slice(b + 1));
}
