/**
 * Refresh at the cost of the hosts, not of the VMs: every ReadResource of one provider process
 * (Terraform sends them side by side, 10 at a time) is answered from one listing per host — the
 * state of every domain (`domstats --state`, one virsh process) and the live XML of its ordinary
 * running ones (one virsh process running a `dumpxml` per domain) — instead of `domstate` +
 * `dumpxml` per VM and host (locate()). Measured on the lab (40 domains on one host, local socket):
 * the listing 100–150 ms against 2.4–2.8 s per VM one by one.
 *
 * A listing answers only what it can answer as locate() would: exactly one domain with the VM's
 * UUID, running for an ordinary reason, and no domain of that name on any other host. Anything else
 * — not found anywhere, not running, paused, an end of a migration, in post-copy, a leftover
 * definition elsewhere, a host whose listing failed — goes to locate(), unchanged, for that VM.
 * A listing is shared while it is taken and for `ttlMs` after; whatever this process changes on a
 * host (create, move, resize, destroy, …) must `invalidate()` it (the driver does, before and after).
 */
import type { Connection } from "../libvirt/virsh.js";
import type { DomainStatsState } from "../libvirt/parse/domstats-state.js";
import type { DomainXmlInfo } from "../libvirt/parse/dumpxml.js";
import type { Placement } from "../model/index.js";
import { placementOf } from "./lifecycle.js";

/** How long a finished listing still answers (ms): one refresh's worth of side-by-side reads. */
export const LISTING_TTL_MS = 5_000;

/** Running for one of these reasons: nothing in flight (no migration, no post-copy, no crash). */
const ORDINARY_RUNNING = new Set(["booted", "migrated", "restored", "from snapshot", "unpaused"]);

/** A state the listing may answer for; any other goes to locate(). */
export function isOrdinary(s: Pick<DomainStatsState, "state" | "reason">): boolean {
  return s.state === "running" && s.reason !== null && ORDINARY_RUNNING.has(s.reason);
}

/** What one host said in one listing. */
export interface HostListing {
  host: string;
  /** Every domain of the host, running or not. */
  states: readonly DomainStatsState[];
  /** The live XML of its ordinary running domains, by name (one that vanished meanwhile is missing). */
  described: ReadonlyMap<string, Pick<DomainXmlInfo, "uuid" | "name" | "type" | "interfaces">>;
}

/** The two calls a listing makes: a Connection has them. */
export type ListingConnection = Pick<Connection, "domainStates" | "dumpXmls">;

/** One listing of a host: two virsh processes whatever the number of domains (none for the XML of none). */
export async function takeListing(host: string, c: ListingConnection): Promise<HostListing> {
  const states = await c.domainStates();
  const xmls = await c.dumpXmls(states.filter(isOrdinary).map((s) => s.name));
  return { host, states, described: new Map(xmls.map((x) => [x.name, x])) };
}

/**
 * Where the VM with this UUID is, if the listings of every declared host say so beyond doubt —
 * undefined otherwise (ask locate()). Never null: that a VM is gone is always locate()'s answer.
 */
export function answerFromListings(uuid: string, listings: readonly HostListing[]): Placement | undefined {
  const hits = listings.flatMap((l) => [...l.described.values()].filter((x) => x.uuid === uuid).map((x) => ({ l, x })));
  if (hits.length !== 1) return undefined;
  const { l, x } = hits[0]!;
  const st = l.states.find((s) => s.name === x.name);
  if (!st || !isOrdinary(st)) return undefined;
  // The same name elsewhere: a leftover, the other end of a move, a copy — locate() sorts that out.
  if (listings.some((o) => o !== l && o.states.some((s) => s.name === x.name))) return undefined;
  const found = placementOf(l.host, x, { state: st.state, reason: st.reason! });
  // As locate(): a VM that arrived by migration says which hosts keep a leftover (none: checked above).
  return st.reason === "migrated" ? { ...found, leftovers: [] } : found;
}

export interface SharedListingsOptions {
  ttlMs?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
  /** Told of every listing taken: its host, how long it took, and what it found or why it failed. */
  onListing?: (host: string, ms: number, result: HostListing | Error) => void;
}

interface Taken {
  listing: Promise<HostListing>;
  settledAt?: number;
}

/** One listing per host, shared by the reads of one refresh (see the file's comment). */
export class SharedListings {
  private readonly taken = new Map<string, Taken>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly hosts: { names(): string[]; connection(name: string): ListingConnection },
    private readonly locate: (uuid: string, lastHost?: string) => Promise<Placement | null>,
    private readonly opts: SharedListingsOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? LISTING_TTL_MS;
    this.now = opts.now ?? (() => performance.now());
  }

  /** locate(uuid, lastHost), answered from the hosts' listings where they are beyond doubt. */
  async read(uuid: string, lastHost?: string): Promise<Placement | null> {
    const listings = await Promise.allSettled(this.hosts.names().map((h) => this.listing(h)));
    const all = listings.every((r) => r.status === "fulfilled") ? listings.map((r) => r.value) : null;
    return (all && answerFromListings(uuid, all)) ?? this.locate(uuid, lastHost);
  }

  /** Forgets what the listings of these hosts (every host when none is named) said: this process changes them. */
  invalidate(hosts?: Iterable<string>): void {
    if (hosts === undefined) this.taken.clear();
    else for (const h of hosts) this.taken.delete(h);
  }

  private listing(host: string): Promise<HostListing> {
    const had = this.taken.get(host);
    if (had && (had.settledAt === undefined || this.now() - had.settledAt <= this.ttlMs)) return had.listing;
    const t0 = this.now();
    const entry: Taken = { listing: takeListing(host, this.hosts.connection(host)) };
    this.taken.set(host, entry);
    entry.listing.then(
      (l) => {
        entry.settledAt = this.now();
        this.opts.onListing?.(host, entry.settledAt - t0, l);
      },
      (e: unknown) => {
        entry.settledAt = this.now();
        this.opts.onListing?.(host, entry.settledAt - t0, e instanceof Error ? e : new Error(String(e)));
      },
    );
    return entry.listing;
  }
}
