import type { Tri } from "./types.js";

/** Any route that works is enough; "no" only when every route is known not to work. */
export function anyOf(values: readonly Tri[]): Tri {
  if (values.includes("yes")) return "yes";
  return values.every((v) => v === "no") ? "no" : "unknown";
}

/** Every condition must hold; one known "no" decides. */
export function allOf(values: readonly Tri[]): Tri {
  if (values.includes("no")) return "no";
  return values.every((v) => v === "yes") ? "yes" : "unknown";
}

export const tri = (b: boolean | undefined): Tri => (b === undefined ? "unknown" : b ? "yes" : "no");
