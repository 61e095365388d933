/**
 * Per-run caches: a plan with many VMs moving between the same hosts reads each host once and
 * probes each (source, destination) pair once. The promise is stored, not the result, so plan
 * calls running concurrently share one collection. A rejected promise is dropped so a later call
 * can retry. The provider clears the caches at the start of each run.
 */
const caches = new Set<Map<string, Promise<unknown>>>();

export function newCache<T>(): Map<string, Promise<T>> {
  const m = new Map<string, Promise<T>>();
  caches.add(m as Map<string, Promise<unknown>>);
  return m;
}

/** Returns the cached promise for `key` or starts `make()`; `cached` says which. */
export function cached<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): { promise: Promise<T>; cached: boolean } {
  const hit = cache.get(key);
  if (hit) return { promise: hit, cached: true };
  const promise = make();
  cache.set(key, promise);
  promise.catch(() => {
    if (cache.get(key) === promise) cache.delete(key);
  });
  return { promise, cached: false };
}

/** Forgets every host fact and probe result (start of a new plan run, or tests). */
export function clearPreflightCache(): void {
  for (const c of caches) c.clear();
}
