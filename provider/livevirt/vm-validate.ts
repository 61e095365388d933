/** Static checks of a livevirt_vm configuration (no provider config or libvirt needed). */
import { ValidationError } from "../../src/errors.js";
import type { ObjectValue, Value } from "../framework/values.js";

const ENUMS: Record<string, readonly string[]> = {
  domain_type: ["auto", "kvm", "qemu"],
  "disk.format": ["raw", "qcow2"],
  "migration.mode": ["postcopy", "precopy"],
  "migration.switch": ["auto", "first-pass", "stall", "timeout"],
  "migration.on_unsupported": ["fail", "precopy", "recreate"],
};

/** libvirt accepts almost any name, but "/" breaks file names and whitespace breaks virsh use. */
const VM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;

export function validateVm(config: ObjectValue): ValidationError[] {
  const errors: ValidationError[] = [];
  const oneOf = (field: string, key: string, v: Value | undefined) => {
    const allowed = ENUMS[key]!;
    if (typeof v === "string" && !allowed.includes(v)) {
      errors.push(new ValidationError(`${field} must be one of ${allowed.join(", ")}`, { field, value: v, fix: `set ${field} to one of: ${allowed.join(", ")}` }));
    }
  };
  const intAtLeast = (field: string, v: Value | undefined, min: number, unit: string) => {
    if (typeof v === "number" && (!Number.isInteger(v) || v < min)) {
      errors.push(new ValidationError(`${field} must be a whole number ≥ ${min}`, { field, value: String(v), fix: `set ${field} to a whole number of ${unit}, at least ${min}` }));
    }
  };

  if (typeof config.name === "string" && !VM_NAME.test(config.name)) {
    errors.push(
      new ValidationError(`VM name ${JSON.stringify(config.name)} is not valid`, {
        field: "name",
        value: config.name,
        fix: "use 1–64 characters: letters, digits, and _ . + - (not first)",
      }),
    );
  }
  intAtLeast("memory_mib", config.memory_mib, 16, "MiB");
  intAtLeast("vcpus", config.vcpus, 1, "CPUs");
  oneOf("domain_type", "domain_type", config.domain_type);
  for (const key of ["kernel", "initrd", "console_log"] as const) {
    const v = config[key];
    if (typeof v === "string" && !v.startsWith("/")) {
      errors.push(new ValidationError(`${key} must be an absolute path on the host`, { field: key, value: v, fix: `write ${key} as an absolute path, e.g. /var/lib/livevirt/…` }));
    }
  }
  if (typeof config.initrd === "string" && config.kernel === null) {
    errors.push(new ValidationError("initrd needs kernel", { field: "initrd", fix: "set kernel too, or remove initrd" }));
  }
  const disks = Array.isArray(config.disk) ? (config.disk as ObjectValue[]) : [];
  disks.forEach((d, i) => {
    oneOf(`disk.${i}.format`, "disk.format", d.format);
    if (typeof d.path === "string" && !d.path.startsWith("/")) {
      errors.push(new ValidationError("disk path must be absolute", { field: `disk.${i}.path`, value: d.path, fix: "write the image path as an absolute path on the host" }));
    }
  });
  const targets = disks.map((d) => d.target).filter((t): t is string => typeof t === "string");
  const dup = targets.find((t, i) => targets.indexOf(t) !== i);
  if (dup) errors.push(new ValidationError(`disk target ${dup} is used twice`, { field: "disk", value: dup, fix: "give each disk its own target (vda, vdb, …)" }));

  const m = config.migration as ObjectValue | null | undefined;
  if (m && typeof m === "object") {
    for (const k of ["mode", "switch", "on_unsupported"]) oneOf(`migration.${k}`, `migration.${k}`, m[k]);
    for (const k of ["bandwidth_mib", "postcopy_bandwidth_mib", "max_downtime_ms"]) intAtLeast(`migration.${k}`, m[k], 1, k.endsWith("ms") ? "ms" : "MiB/s");
    intAtLeast("migration.timeout_s", m.timeout_s, 1, "seconds");
    if (m.mode === "precopy" && typeof m.switch === "string" && m.switch !== "auto") {
      errors.push(
        new ValidationError("migration.switch only applies to post-copy moves", {
          field: "migration.switch",
          value: m.switch,
          fix: 'remove switch, or set mode = "postcopy"',
        }),
      );
    }
  }
  return errors;
}
