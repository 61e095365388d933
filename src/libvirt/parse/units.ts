/** Units as virsh prints them (vshPrettyCapacity: binary prefixes, 3 decimals). */
const BINARY: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  PiB: 1024 ** 5,
  EiB: 1024 ** 6,
};

/** "92.177 MiB" → bytes (rounded: virsh printed only 3 decimals). Undefined if not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTPE]iB|B)$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (BINARY[m[2]!] ?? NaN));
}

/** "26.913 MiB/s" → bytes per second. */
export function parseRate(text: string): number | undefined {
  const m = /^(.*)\/s$/.exec(text.trim());
  return m ? parseSize(m[1]!) : undefined;
}

/** "3858         ms" → 3858; "4096 bytes" → 4096; "1649 pages/s" → 1649; "3" → 3. */
export function parseNumberWithUnit(text: string, unit?: string): number | undefined {
  const m = /^(-?\d+(?:\.\d+)?)(?:\s+(\S+))?$/.exec(text.trim());
  if (!m) return undefined;
  if (unit !== undefined && m[2] !== undefined && m[2] !== unit) return undefined;
  return Number(m[1]);
}

/** libvirt XML memory elements: `<memory unit='KiB'>262144</memory>` → bytes. */
const XML_UNITS: Record<string, number> = {
  b: 1,
  bytes: 1,
  KB: 1000,
  k: 1024,
  KiB: 1024,
  MB: 1000 ** 2,
  M: 1024 ** 2,
  MiB: 1024 ** 2,
  GB: 1000 ** 3,
  G: 1024 ** 3,
  GiB: 1024 ** 3,
  TB: 1000 ** 4,
  T: 1024 ** 4,
  TiB: 1024 ** 4,
};

export function xmlMemoryToBytes(value: string, unit = "KiB"): number | undefined {
  const n = Number(value.trim());
  const mult = XML_UNITS[unit];
  if (!Number.isFinite(n) || mult === undefined) return undefined;
  return n * mult;
}
