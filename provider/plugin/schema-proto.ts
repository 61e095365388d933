/** Our Schema → the protocol's tfplugin6.Schema plain object. */
import type { BlockSchema, Schema } from "../framework/schema.js";

export function schemaToProto(schema: Schema): Record<string, unknown> {
  return { version: schema.version, block: blockToProto(schema.block, schema.version) };
}

function blockToProto(block: BlockSchema, version: number): Record<string, unknown> {
  return {
    version,
    description: block.description,
    description_kind: "PLAIN",
    attributes: Object.entries(block.attributes).map(([name, a]) => ({
      name,
      type: Buffer.from(JSON.stringify(a.type)),
      description: a.description,
      description_kind: "PLAIN",
      required: a.required === true,
      optional: a.optional === true,
      computed: a.computed === true,
      sensitive: a.sensitive === true,
    })),
    block_types: Object.entries(block.blocks ?? {}).map(([name, nb]) => ({
      type_name: name,
      block: blockToProto(nb.block, version),
      nesting: nb.nesting === "single" ? "SINGLE" : "LIST",
      min_items: nb.minItems ?? 0,
      // Terraform rejects SINGLE blocks unless min_items == max_items (0/0 optional, 1/1 required);
      // "at most one" is inherent to SINGLE, so maxItems is only sent for LIST blocks.
      max_items: nb.nesting === "single" ? (nb.minItems ?? 0) : (nb.maxItems ?? 0),
    })),
  };
}
