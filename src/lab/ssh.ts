/**
 * SSH to the lab hosts, the way operators reach real libvirt hosts: Debian's sshd runs inside each
 * host's namespaces on the management network, root logs in with the lab's key only, and this
 * machine checks the hosts' keys against a known_hosts file the lab writes — never ignored.
 *
 * The client side is one drop-in, /etc/ssh/ssh_config.d/livevirt-lab.conf (Debian's ssh_config
 * includes that folder), scoped to the lab's management addresses: key, known_hosts,
 * StrictHostKeyChecking yes, BatchMode. So plain `ssh root@10.231.1.1` and libvirt's
 * `qemu+ssh://root@10.231.1.1/system` work as written, with host keys checked. lab:down removes it.
 *
 * Keys live in $LAB_ROOT/ssh and survive lab restarts (the known_hosts stays true).
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LabError } from "../errors.js";
import { isAlive } from "./daemon.js";
import { sh } from "./exec.js";
import { inHost } from "./mountns.js";
import { HOST_NAMES, LAB_ROOT, hostPaths, type HostName } from "./paths.js";
import { TOPOLOGY } from "./topology.js";

export const SSH_DIR = join(LAB_ROOT, "ssh");
export const CLIENT_KEY = join(SSH_DIR, "id_ed25519");
export const KNOWN_HOSTS = join(SSH_DIR, "known_hosts");
const AUTHORIZED_KEYS = join(SSH_DIR, "authorized_keys");
export const SSH_CLIENT_CONFIG = "/etc/ssh/ssh_config.d/livevirt-lab.conf";
const hostKey = (h: HostName) => join(SSH_DIR, `host-${h}_ed25519_key`);
const sshdConfig = (h: HostName) => join(SSH_DIR, `sshd-${h}.conf`);
const sshdPidFile = (h: HostName) => join(hostPaths(h).root, "sshd.pid");
const sshdLog = (h: HostName) => join(hostPaths(h).root, "sshd.log");

async function keygen(file: string, comment: string): Promise<void> {
  if (existsSync(file) && existsSync(`${file}.pub`)) return;
  rmSync(file, { force: true });
  rmSync(`${file}.pub`, { force: true });
  await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
}

/** Keys, known_hosts, authorized_keys, per-host sshd configs and the client drop-in. Idempotent. */
export async function ensureSshFiles(): Promise<void> {
  mkdirSync(SSH_DIR, { recursive: true, mode: 0o700 });
  await keygen(CLIENT_KEY, "livevirt-lab client");
  for (const h of HOST_NAMES) await keygen(hostKey(h), `lab-${h} host key`);
  writeFileSync(AUTHORIZED_KEYS, readFileSync(`${CLIENT_KEY}.pub`, "utf8"), { mode: 0o600 });
  writeFileSync(
    KNOWN_HOSTS,
    HOST_NAMES.map((h) => {
      const [type, key] = readFileSync(`${hostKey(h)}.pub`, "utf8")
        .trim()
        .split(/\s+/);
      return `${TOPOLOGY[h].mgmtAddress},${TOPOLOGY[h].hostname} ${type} ${key}\n`;
    }).join(""),
  );
  for (const h of HOST_NAMES) {
    writeFileSync(
      sshdConfig(h),
      [
        "# Written by livevirt's lab (src/lab/ssh.ts).",
        `ListenAddress ${TOPOLOGY[h].mgmtAddress}`,
        `HostKey ${hostKey(h)}`,
        `PidFile ${sshdPidFile(h)}`,
        `AuthorizedKeysFile ${AUTHORIZED_KEYS}`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "X11Forwarding no",
        "AllowTcpForwarding no",
        "Subsystem sftp internal-sftp",
        "",
      ].join("\n"),
    );
  }
  mkdirSync("/etc/ssh/ssh_config.d", { recursive: true });
  writeFileSync(
    SSH_CLIENT_CONFIG,
    [
      "# Written by livevirt's lab (src/lab/ssh.ts); removed by `npm run lab:down`.",
      `Host ${HOST_NAMES.map((h) => TOPOLOGY[h].mgmtAddress).join(" ")}`,
      "  User root",
      `  IdentityFile ${CLIENT_KEY}`,
      "  IdentitiesOnly yes",
      `  UserKnownHostsFile ${KNOWN_HOSTS}`,
      "  StrictHostKeyChecking yes",
      "  BatchMode yes",
      "  ConnectTimeout 10",
      // One SSH connection per host, shared by every virsh call and host-local check for a minute:
      // libvirt's ssh transport and the host shell start a new `ssh` each time (~0.7 s handshake here).
      "  ControlMaster auto",
      `  ControlPath ${join(SSH_DIR, "cm-%C")}`,
      "  ControlPersist 60",
      "",
    ].join("\n"),
  );
}

export function removeSshClientConfig(): void {
  rmSync(SSH_CLIENT_CONFIG, { force: true });
}

function sshdPid(h: HostName): number | undefined {
  const f = sshdPidFile(h);
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/**
 * Starts the host's sshd inside its namespaces (so a session sees that host's private libvirt
 * dirs and socket) unless it runs. `stopHost` ends it with everything else in the namespace.
 */
export async function ensureSshd(h: HostName): Promise<void> {
  if (sshdPid(h) !== undefined) return;
  if (!existsSync("/usr/sbin/sshd")) throw new LabError("sshd is not installed", { fix: "run `npm run lab:up`, which installs openssh-server" });
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // sshd's privilege-separation directory
  await sh("/usr/sbin/sshd", ["-t", "-f", sshdConfig(h)]);
  const log = openSync(sshdLog(h), "a");
  // -D: stays in the foreground (nsenter execs it in place, so this child's PID is sshd's); -e: log to stderr.
  const child = spawn("nsenter", [...inHost(h), "/usr/sbin/sshd", "-D", "-e", "-f", sshdConfig(h)], { detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  child.unref();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.pid !== undefined && !isAlive(child.pid)) break;
    try {
      await sh("ssh", [`root@${TOPOLOGY[h].mgmtAddress}`, "true"], { timeoutMs: 5_000 });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new LabError(`sshd of lab host ${h} did not accept the lab's key within 10 s; see ${sshdLog(h)}`);
}
