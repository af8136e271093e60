/** The value of `key` in `map`, first set to `make()` if absent (grouping rows into lists, per-context caches). */
export function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V;
export function getOrSet<K extends object, V>(map: WeakMap<K, V>, key: K, make: () => V): V;
export function getOrSet<K extends object, V>(map: Map<K, V> | WeakMap<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}
