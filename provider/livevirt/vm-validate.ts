/** Static checks of a livevirt_vm configuration (no provider config or libvirt needed). */
import { ValidationError } from "../../src/errors.js";
import { MEMORY_MIB_RANGE, TARGET_RE, VCPUS_RANGE } from "../../src/libvirt/domain-xml.js";
import { moveSettings } from "../../src/placement/move.js";
import { isUnknown, type ObjectValue, type Value } from "../framework/values.js";
import { migrationPolicy } from "./vm-spec.js";

const ENUMS: Record<string, readonly string[]> = {
  domain_type: ["auto", "kvm", "qemu"],
  "disk.format": ["raw", "qcow2"],
  "migration.mode": ["postcopy", "precopy"],
  "migration.switch": ["auto", "first-pass", "stall", "timeout"],
  "migration.on_unsupported": ["fail", "precopy", "recreate"],
};

/** libvirt accepts almost any name, but "/" breaks file names and whitespace breaks virsh use. */
const VM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;

/** Control characters (incl. newline and NUL) break libvirt's XML or the QEMU command line. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** As validateDomainSpec (src/libvirt/domain-xml.ts), so a plan never accepts what create refuses. */
const CMDLINE_MAX = 4096;

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
  const intInRange = (field: string, v: Value | undefined, [min, max]: readonly [number, number], unit: string) => {
    if (typeof v === "number" && (!Number.isInteger(v) || v < min || v > max)) {
      const rule = Number.isInteger(v) && v > max ? `at most ${max}` : `a whole number ≥ ${min}`;
      errors.push(new ValidationError(`${field} must be ${rule}`, { field, value: String(v), fix: `set ${field} to a whole number of ${unit} between ${min} and ${max}` }));
    }
  };
  const noControl = (field: string, v: Value | undefined) => {
    if (typeof v === "string" && CONTROL.test(v)) {
      errors.push(new ValidationError(`${field} contains control characters (e.g. a newline)`, { field, value: v, fix: `remove the control characters from ${field}` }));
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
  intInRange("memory_mib", config.memory_mib, MEMORY_MIB_RANGE, "MiB");
  intInRange("vcpus", config.vcpus, VCPUS_RANGE, "CPUs");
  oneOf("domain_type", "domain_type", config.domain_type);
  for (const key of ["kernel", "initrd", "console_log"] as const) {
    const v = config[key];
    if (typeof v === "string" && !v.startsWith("/")) {
      errors.push(new ValidationError(`${key} must be an absolute path on the host`, { field: key, value: v, fix: `write ${key} as an absolute path, e.g. /var/lib/livevirt/…` }));
    }
    noControl(key, v);
  }
  if (typeof config.initrd === "string" && config.kernel === null) {
    errors.push(new ValidationError("initrd needs kernel", { field: "initrd", value: config.initrd, fix: "set kernel too, or remove initrd" }));
  }
  if (typeof config.cmdline === "string") {
    if (config.kernel === null) errors.push(new ValidationError("cmdline needs kernel", { field: "cmdline", value: config.cmdline, fix: "set kernel too, or remove cmdline" }));
    noControl("cmdline", config.cmdline);
    if (config.cmdline.length > CMDLINE_MAX) {
      errors.push(new ValidationError(`cmdline is longer than ${CMDLINE_MAX} characters`, { field: "cmdline", value: `${config.cmdline.slice(0, 40)}… (${config.cmdline.length} characters)`, fix: `shorten cmdline to at most ${CMDLINE_MAX} characters` }));
    }
  }
  const disks = Array.isArray(config.disk) ? (config.disk as ObjectValue[]) : [];
  disks.forEach((d, i) => {
    oneOf(`disk.${i}.format`, "disk.format", d.format);
    if (typeof d.path === "string" && !d.path.startsWith("/")) {
      errors.push(new ValidationError("disk path must be absolute", { field: `disk.${i}.path`, value: d.path, fix: "write the image path as an absolute path on the host" }));
    }
    noControl(`disk.${i}.path`, d.path);
    if (typeof d.target === "string" && !TARGET_RE.test(d.target)) {
      errors.push(new ValidationError("disk target must be a device name like vda", { field: `disk.${i}.target`, value: d.target, fix: 'use vda, vdb, … (virtio), sda, … (SATA) or hda, … (IDE), or leave target out' }));
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
    // The rules a move applies (bounds, settings that only mean something with post-copy), checked
    // now rather than at the first host change — only when the simple checks above passed (no
    // duplicate diagnostics) and every value is known.
    const migrationErrors = errors.some((e) => e.detail.field?.startsWith("migration."));
    if (!migrationErrors && !Object.values(m).some(isUnknown)) {
      try {
        moveSettings(migrationPolicy(m));
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        errors.push(e);
      }
    }
  }
  return errors;
}
