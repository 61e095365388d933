/**
 * How `npm test` schedules the integration files on the one shared lab — the only place that says
 * so. Every file under test/integration is in exactly one group (test/unit/integration-groups.test.ts
 * checks it, and scripts/test.ts refuses to run a file that is in neither):
 *
 *  - CONCURRENT files run side by side (a few vitest workers). Each one touches only its own
 *    domains (names unique across files), its own Terraform directories, processes it started
 *    itself and, if at all, its own PostgreSQL — never the link, a daemon, a host's variant or a
 *    machine-wide setting. Two hosts carry several TCG guests; a move only waits for moves of
 *    the same provider process (src/migration/limits.ts), so files do not queue behind each other.
 *  - EXCLUSIVE files change the lab as a whole, so each runs alone with nothing else on the lab.
 *    The reason is the contract: a file whose reason no longer holds belongs in CONCURRENT.
 *
 *  - STOCK files run last, one at a time, with the lab switched to Debian 12's own libvirt 9.0 /
 *    QEMU 7.2 ("stock"): what they test only works there (the post-copy resume crashes libvirt
 *    11.3.0's destination daemon). They also change the lab as a whole, like EXCLUSIVE files.
 *
 * A file that cuts a link between the hosts stays CONCURRENT when it cuts only a fault link of its
 * own (src/lab/topology.ts FAULT_LINKS: its hosts declared on that link, so only its moves use it).
 * A new file goes into CONCURRENT unless it cuts the main link, restarts or re-configures a daemon,
 * changes a machine-wide setting (sysctl, /dev/userfaultfd, /dev/kvm), or asserts something about
 * the whole lab (every domain on a host, a latency) that another file's work could disturb.
 */

/** Longest first (measured side by side on the lab): files start in this order, so that the
 * workers finish at about the same time. */
export const CONCURRENT: readonly string[] = [
  "fault-link-timeout.test.ts",
  "cdktf-plan.test.ts",
  "fault-link.test.ts",
  "fault-provider-killed.test.ts",
  "fault-ctrl-c.test.ts",
  "destroy-refused-move.test.ts",
  "team-state.test.ts",
  "move-engine.test.ts",
  "provider-move.test.ts",
  "provider-lifecycle.test.ts",
  "copy-storage.test.ts",
  "concurrent-moves.test.ts",
  "provider-plan.test.ts",
  "lab-migrate.test.ts",
  "lab-guest-boot.test.ts",
  "review-browser.test.ts",
  "provider-package.test.ts",
  "lab-transport.test.ts",
  "guest-network.test.ts",
  "provider-network.test.ts",
  "adopted-vm.test.ts",
  "provider-cpu.test.ts",
  "fault-saved-plan.test.ts",
  "provider-resize.test.ts",
  "drain.test.ts",
  "migration-tls.test.ts",
  "storage-pool.test.ts",
  "refresh-listing.test.ts",
];

export const EXCLUSIVE: Readonly<Record<string, string>> = {
  "bad-input-matrix.test.ts": "asserts that no domain on either host was created or changed during its run (another file's guests would be)",
  "fault-daemon-restart.test.ts": "restarts host a's libvirtd: every other connection and job on a would break",
  "fault-prepare-refused.test.ts": "restarts host b as the no-post-copy variant (its QEMUs are stopped with it) and denies userfaultfd machine-wide",
  "preflight.test.ts": "restarts host b as the no-post-copy variant",
  "host-capacity.test.ts": "its plan counts the memory of every domain defined on host b (other files' guests would change the figure it asserts)",
  "migration-tls-refused.test.ts": "breaks host b's QEMU TLS files for a while: another file's moves would plan encrypted and apply in clear (or the reverse)",
  "tls-refused.test.ts":
    "swaps the lab's TLS certificates for seconds (host a's libvirtd client certificate, b's server certificate, b's QEMU certificate): " +
    "every other move would be refused meanwhile",
  "ssh-host-key-refused.test.ts": "rewrites the lab's known_hosts for a moment: every other SSH connection to the lab would be refused meanwhile",
  "provider-move-no-postcopy.test.ts": "restarts host b as the no-post-copy variant (its QEMUs are stopped with it)",
};

export const STOCK: Readonly<Record<string, string>> = {
  "postcopy-recovery.test.ts":
    "resumes a post-copy move after resetting its stream (ss -K on every migration connection leaving a); needs a libvirt that resumes (9.0)",
};

/**
 * Vitest workers for the concurrent group. Two cores, and each file runs TCG guests — but every
 * file also spends much of its time waiting (Terraform, the provider starting, a guest booting, a
 * move's monitor): with 2 workers the group took 600 s (CI7), with 3 workers 465 s with both cores
 * 97–100 % busy throughout (vmstat every 5 s, 2026-12-04). More than 3 would only queue on the CPU.
 */
export const CONCURRENT_WORKERS = 3;
