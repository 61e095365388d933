/** The per-host post-copy checks, built from HostFacts (pure, so they are table-tested). */
import { atLeast } from "../libvirt/version-compare.js";
import type { HostFacts } from "./host-facts.js";
import type { CheckResult } from "./types.js";
import { UFFD_REQUIRED, fixFor, userfaultfdVerdict } from "./userfaultfd.js";

import { assign } from "../model/index.js";
import { LIBVIRT_POSTCOPY_MIN, LIBVIRT_RECOVERY_MIN, QEMU_POSTCOPY_MIN, RESUME_CRASHES_DESTINATION } from "../libvirt/versions.js";

const statusOf = (t: "yes" | "no" | "unknown") => (t === "yes" ? "pass" : t === "no" ? "fail" : "unknown") as CheckResult["status"];

function versionCheck(host: string, id: string, title: string, v: HostFacts["libvirtVersion"], min: string, fix: string, advisory = false): CheckResult {
  const base = { id, host, title, required: `≥ ${min}`, requiredFor: "postcopy" as const, ...(advisory ? { advisory } : {}) };
  if (!v.known) return { ...base, status: "unknown", found: `unknown (${v.why})` };
  const ok = atLeast(v.value, min);
  return { ...base, status: ok ? "pass" : "fail", found: v.value, ...(ok ? {} : { fix }) };
}

/**
 * Whether a post-copy move that lost its connection can be resumed (--postcopy-resume). Advisory:
 * without it livevirt waits for the stream to recover by itself. A version measured to crash on the
 * resume fails it, with what was measured, instead of passing on the version number alone.
 */
function recoveryCheck(host: string, v: HostFacts["libvirtVersion"]): CheckResult {
  const c = versionCheck(
    host,
    "libvirt.postcopy-recovery",
    "libvirt can resume a failed post-copy (recovery)",
    v,
    LIBVIRT_RECOVERY_MIN,
    `upgrade libvirt on host ${host} to ≥ ${LIBVIRT_RECOVERY_MIN} to be able to resume a post-copy move after a link failure`,
    true,
  );
  if (c.status !== "pass" || !v.known || !RESUME_CRASHES_DESTINATION.includes(v.value)) return c;
  return {
    ...c,
    status: "fail",
    found:
      `${v.value}: its daemon crashes when it resumes an incoming post-copy move (SIGSEGV, measured); ` +
      `livevirt never asks it to and waits for the migration stream to recover by itself`,
    brief: `libvirt ${v.value} crashes on a post-copy resume`,
    fix: `upgrade libvirt on host ${host} to a version other than ${RESUME_CRASHES_DESTINATION.join(", ")} (e.g. 9.0 from bookworm, or a newer backport)`,
  };
}

/**
 * `role`: only the DESTINATION's QEMU needs userfaultfd (QEMU checks it only in the incoming
 * state: "it's only the destination that needs special support", migration/options.c). On the
 * source those checks are reported as advisory — they matter for moving VMs back to it.
 */
export function hostChecks(f: HostFacts, role: "source" | "destination" = "destination"): CheckResult[] {
  const h = f.host;
  const sourceOnly = role === "source" ? { advisory: true as const } : {};
  const asSource = role === "source" ? " (as a destination; this host is the source here)" : "";
  const checks: CheckResult[] = [
    versionCheck(
      h,
      "libvirt.version",
      "libvirt supports post-copy",
      f.libvirtVersion,
      LIBVIRT_POSTCOPY_MIN,
      `upgrade libvirt on host ${h} to ≥ ${LIBVIRT_POSTCOPY_MIN}, or set ${assign("migration.onUnsupported", "precopy")}`,
    ),
    recoveryCheck(h, f.libvirtVersion),
    versionCheck(
      h,
      "qemu.version",
      "QEMU supports post-copy",
      f.qemuVersion,
      QEMU_POSTCOPY_MIN,
      `upgrade QEMU on host ${h} to ≥ ${QEMU_POSTCOPY_MIN}, or set ${assign("migration.onUnsupported", "precopy")}`,
    ),
  ];

  const p = f.qemuProbe;
  const probeBase = {
    id: "qemu.postcopy-ram",
    host: h,
    title: `QEMU can really enable postcopy-ram (bare QEMU, as libvirt runs it)${asSource}`,
    required: "migrate-set-capabilities postcopy-ram=true succeeds",
    requiredFor: "postcopy" as const,
    ...sourceOnly,
  };
  if (!p.known) checks.push({ ...probeBase, status: "unknown", found: `not run: ${p.why}` });
  else {
    const v = p.value;
    const status = v.postcopy === "no" && !v.representative ? "unknown" : statusOf(v.postcopy);
    const qualifier = v.representative ? "" : " (not conclusive: libvirt may leave this QEMU capabilities)";
    checks.push({
      ...probeBase,
      status,
      found: `${v.message}; ran ${v.ranAs} in ${v.durationMs} ms${qualifier}`,
      ...(status === "fail" ? { fix: fixFor(h, false) } : {}),
    });
  }

  const u = userfaultfdVerdict(f);
  checks.push({
    id: "kernel.userfaultfd",
    host: h,
    title: `userfaultfd usable by QEMU as libvirt runs it${asSource}`,
    status: statusOf(u.usable),
    found: u.found,
    ...(u.brief ? { brief: u.brief } : {}),
    required: UFFD_REQUIRED,
    requiredFor: "postcopy",
    ...sourceOnly,
    ...(u.fix ? { fix: u.fix } : {}),
  });
  return checks;
}
