/**
 * A fact that was read, or the reason it could not be. Host facts are never guessed: a value we
 * could not read stays `known: false` with the reason, and checks built on it report "unknown".
 */
export type Known<T> = { known: true; value: T; source: string } | { known: false; why: string };

export const known = <T>(value: T, source: string): Known<T> => ({ known: true, value, source });
export const unknown = <T = never>(why: string): Known<T> => ({ known: false, why });

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs `fn`; a thrown error becomes an unknown fact carrying its message. */
export async function attempt<T>(source: string, fn: () => Promise<T>): Promise<Known<T>> {
  try {
    return known(await fn(), source);
  } catch (e) {
    return unknown(`${source}: ${errorText(e)}`);
  }
}
