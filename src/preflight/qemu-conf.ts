/**
 * libvirt's qemu.conf, read the way libvirt reads it (src/util/virconf.c): `name = value`
 * statements separated by newlines or ';', values are "…" / '…' / """…""" strings (no escapes),
 * integers, or [ lists ] that may span lines; '#' starts a comment. When a name is assigned twice
 * libvirt uses the FIRST assignment (virConfGetValue returns the first entry), and so do we.
 */
import { ParseError } from "../errors.js";

export type ConfValue = string | number | ConfValue[];

export function parseLibvirtConf(text: string, what = "qemu.conf"): Map<string, ConfValue> {
  const out = new Map<string, ConfValue>();
  let i = 0;
  let line = 1;
  const fail = (msg: string): never => {
    throw new ParseError(`${what} line ${line}: ${msg}`, what, text.split("\n")[line - 1]?.slice(0, 200) ?? "");
  };
  const peek = () => text[i];
  const skipBlanks = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
  };
  const skipComment = () => {
    if (text[i] === "#") while (i < text.length && text[i] !== "\n") i++;
  };
  /** Blanks, newlines and (inside lists, leniently) comments. */
  const skipSpace = () => {
    for (;;) {
      skipBlanks();
      skipComment();
      if (text[i] === "\n" || text[i] === "\r") {
        if (text[i] === "\n") line++;
        i++;
        continue;
      }
      return;
    }
  };
  const parseString = (): string => {
    if (text.startsWith('"""', i)) {
      const end = text.indexOf('"""', i + 3);
      if (end < 0) fail("unterminated string");
      const s = text.slice(i + 3, end);
      line += s.split("\n").length - 1;
      i = end + 3;
      return s;
    }
    const q = text[i]!;
    const start = ++i;
    while (i < text.length && text[i] !== q && text[i] !== "\n" && text[i] !== "\r") i++;
    if (text[i] !== q) fail("unterminated string");
    return text.slice(start, i++);
  };
  const parseValue = (): ConfValue => {
    skipBlanks();
    const c = peek();
    if (c === '"' || c === "'") return parseString();
    if (c === "[") {
      i++;
      const items: ConfValue[] = [];
      skipSpace();
      while (i < text.length && peek() !== "]") {
        items.push(parseValue());
        skipSpace();
        if (peek() === ",") {
          i++;
          skipSpace();
        } else if (peek() !== "]") fail("expecting ',' or ']' in list");
      }
      if (peek() !== "]") fail("list is not closed with ]");
      i++;
      return items;
    }
    const m = /^[-+]?\d+/.exec(text.slice(i, i + 32));
    if (m) {
      i += m[0].length;
      return Number(m[0]);
    }
    return fail("expecting a value");
  };
  for (;;) {
    skipSpace();
    if (i >= text.length) break;
    const name = /^[A-Za-z][A-Za-z0-9_]*/.exec(text.slice(i, i + 256))?.[0];
    if (!name) fail("expecting a name");
    i += name!.length;
    skipBlanks();
    if (peek() !== "=") fail(`expecting '=' after ${name}`);
    i++;
    const value = parseValue();
    if (!out.has(name!)) out.set(name!, value);
    skipBlanks();
    skipComment();
    if (i < text.length && peek() !== "\n" && peek() !== "\r" && peek() !== ";") fail("expecting a new line or ';' after the value");
    if (peek() === ";") i++;
  }
  return out;
}

/** The qemu.conf settings that decide whether QEMU can open userfaultfd. */
export interface QemuConfFacts {
  /** `user`; undefined = libvirt's compiled-in default (distribution-specific). */
  user?: string;
  group?: string;
  /** `clear_emulator_capabilities`; libvirt's default is 1. */
  clearEmulatorCapabilities?: boolean;
  /** `cgroup_device_acl`, when set (it replaces libvirt's default list). */
  cgroupDeviceAcl?: string[];
  /** `cgroup_controllers`, when set ([] = libvirt uses no cgroup controller). */
  cgroupControllers?: string[];
  /** `namespaces`, when set ([] = no private /dev for QEMU). */
  namespaces?: string[];
  /** `shared_filesystems` (libvirt ≥ 10.6): paths libvirt treats as shared storage for migration, whatever their filesystem. */
  sharedFilesystems?: string[];
  /** The migration TLS settings as written (unset ones are libvirt's defaults: see migrationTlsConf). */
  tls?: {
    migrateCertDir?: string;
    defaultCertDir?: string;
    migrateVerify?: boolean;
    defaultVerify?: boolean;
    force?: boolean;
    keySecret?: boolean;
    migrationHost?: string;
  };
}

/** qemu.conf's migration TLS settings with libvirt's defaults applied (qemu_conf.c). */
export interface MigrationTlsConf {
  /** `migrate_tls_x509_cert_dir`, else `default_tls_x509_cert_dir`, else /etc/pki/qemu. */
  certDir: string;
  /** The destination's QEMU verifies the source's client certificate (`migrate_tls_x509_verify`, else `default_tls_x509_verify`, default on). */
  verify: boolean;
  /** `migrate_tls_force`: libvirt refuses a migration without --tls (default off). */
  force: boolean;
  /** `migrate_tls_x509_secret_uuid` is set: the server key is encrypted with a libvirt secret. */
  keySecret: boolean;
  /** `migration_host`: the name the destination gives the source to connect to, which its certificate must carry. */
  migrationHost?: string;
}

export function migrationTlsConf(c: QemuConfFacts): MigrationTlsConf {
  const t = c.tls ?? {};
  return {
    certDir: t.migrateCertDir ?? t.defaultCertDir ?? DEFAULT_TLS_CERT_DIR,
    verify: t.migrateVerify ?? t.defaultVerify ?? true,
    force: t.force ?? false,
    keySecret: t.keySecret ?? false,
    ...(t.migrationHost !== undefined ? { migrationHost: t.migrationHost } : {}),
  };
}

/** libvirt's compiled-in default_tls_x509_cert_dir (SYSCONFDIR/pki/qemu). */
export const DEFAULT_TLS_CERT_DIR = "/etc/pki/qemu";

function str(v: ConfValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function strList(v: ConfValue | undefined): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;
}

/** The object without its undefined entries; undefined when none is left. */
function nonEmpty<T extends object>(o: T): T | undefined {
  const e = Object.entries(o).filter(([, v]) => v !== undefined);
  return e.length > 0 ? (Object.fromEntries(e) as T) : undefined;
}

function flag(v: ConfValue | undefined): boolean | undefined {
  return typeof v === "number" ? v !== 0 : undefined;
}

export function qemuConfFacts(conf: Map<string, ConfValue>): QemuConfFacts {
  const clear = conf.get("clear_emulator_capabilities");
  return {
    tls: nonEmpty({
      migrateCertDir: str(conf.get("migrate_tls_x509_cert_dir")),
      defaultCertDir: str(conf.get("default_tls_x509_cert_dir")),
      migrateVerify: flag(conf.get("migrate_tls_x509_verify")),
      defaultVerify: flag(conf.get("default_tls_x509_verify")),
      force: flag(conf.get("migrate_tls_force")),
      keySecret: conf.has("migrate_tls_x509_secret_uuid") ? true : undefined,
      migrationHost: str(conf.get("migration_host")),
    }),
    user: str(conf.get("user")),
    group: str(conf.get("group")),
    clearEmulatorCapabilities: typeof clear === "number" ? clear !== 0 : undefined,
    cgroupDeviceAcl: strList(conf.get("cgroup_device_acl")),
    cgroupControllers: strList(conf.get("cgroup_controllers")),
    namespaces: strList(conf.get("namespaces")),
    sharedFilesystems: strList(conf.get("shared_filesystems")),
  };
}
