/**
 * Schema description used by resources, the value codec and the protocol edge. Types are written
 * in cty's own JSON notation ("string", ["list","string"], ["object",{...}]) because that is
 * exactly what the protocol's Schema.Attribute.type bytes carry.
 */
import type { Value } from "./values.js";

export type CtyType = "string" | "number" | "bool" | readonly ["list" | "set" | "map", CtyType] | readonly ["object", { readonly [name: string]: CtyType }];

export interface AttributeSchema {
  type: CtyType;
  description: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  sensitive?: boolean;
  /**
   * Filled in at plan time when the configuration leaves the attribute null. Terraform only lets
   * a provider plan a value the config did not set for *computed* attributes, so an attribute
   * with a default must be optional+computed.
   */
  default?: Value;
}

export interface NestedBlockSchema {
  nesting: "single" | "list";
  block: BlockSchema;
  minItems?: number;
  maxItems?: number;
}

export interface BlockSchema {
  description: string;
  attributes: Readonly<Record<string, AttributeSchema>>;
  blocks?: Readonly<Record<string, NestedBlockSchema>>;
}

export interface Schema {
  version: number;
  block: BlockSchema;
}
