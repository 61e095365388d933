/**
 * Where is the VM? Asked after every move, successful or not, because a move's exit code is not
 * the truth: virsh can fail after the guest already runs on the destination (post-copy), and
 * succeed while the source keeps a stale definition. Both hosts are queried; nothing is guessed.
 */
import type { Host } from "../model/index.js";
import { DomainNotFoundError } from "../errors.js";
import { connect } from "../hosts/registry.js";
import { isPersistent } from "../libvirt/persistence.js";
import { describeView, MoveError, type HostView, type HostViews, type VmLocation } from "./errors.js";

const ASK_TIMEOUT_MS = 15_000;

/** One host's view of the domain: present?, state + reason, persistent? */
export async function inspectHost(host: Host, domain: string): Promise<HostView> {
  const c = connect(host, { timeoutMs: ASK_TIMEOUT_MS });
  // Both questions at once: one round trip to the host instead of two.
  const [st, persistent] = await Promise.allSettled([c.domainState(domain), isPersistent(host.uri, domain, { timeoutMs: ASK_TIMEOUT_MS })]);
  if (st.status === "rejected") {
    const e = st.reason as Error;
    if (e instanceof DomainNotFoundError) return { host: host.name, present: false };
    return { host: host.name, present: "unknown", error: e.message };
  }
  const view: HostView = { host: host.name, present: true, state: st.value };
  if (persistent.status === "fulfilled") view.persistent = persistent.value;
  // Gone by the time dominfo asked (end of a move): absent is the truth now.
  else if (persistent.reason instanceof DomainNotFoundError) return { host: host.name, present: false };
  return view;
}

export async function inspectBoth(from: Host, to: Host, domain: string): Promise<HostViews> {
  const [source, destination] = await Promise.all([inspectHost(from, domain), inspectHost(to, domain)]);
  return { source, destination };
}

const isRunning = (v: HostView) => v.present === true && v.state?.state === "running";
/** Exists as a QEMU process (running or paused, e.g. "paused (post-copy failed)"), not just a definition. */
const isActive = (v: HostView) => v.present === true && v.state !== undefined && !["shut off", "crashed", "no state"].includes(v.state.state);

/**
 * Pure: the VM's location from both views. `switched`: the move reached post-copy, after which
 * the guest's vCPUs live on the destination even while it is paused there waiting for pages.
 */
export function judgeLocation(views: HostViews, switched: boolean): VmLocation {
  const { source: s, destination: d } = views;
  if (isRunning(d) && !isActive(s)) return "destination";
  if (isRunning(s) && !isActive(d)) return "source";
  if (switched) return isActive(d) ? "destination" : "unknown";
  // Pre-copy never gave the guest away: a running source wins over an incoming domain that
  // libvirt is still tearing down on the destination (paused, "migrating").
  if (isRunning(s) && d.present !== "unknown" && !isRunning(d)) return "source";
  if (isActive(s) && d.present === false) return "source";
  return "unknown";
}

/**
 * Pure: the destination holds only the incomplete incoming copy of a move that failed in
 * pre-copy — paused ("migrating"), transient — while the source runs the guest. libvirt removes
 * it once the destination notices the failure, which takes its keepalive (about 30 s by default)
 * when the link itself failed; until then a retry of the move would find the name taken. Such a
 * copy never ran the guest: removing it loses nothing.
 */
export function isIncompleteIncoming(views: HostViews, switched: boolean): boolean {
  const { source: s, destination: d } = views;
  return !switched && isRunning(s) && d.present === true && d.state?.state === "paused" && d.state.reason === "migrating" && d.persistent === false;
}

/** The state string to record for the VM's location. */
export function stateAt(views: HostViews, location: VmLocation): string {
  if (location === "source") return describeView(views.source);
  if (location === "destination") return describeView(views.destination);
  return `${views.source.host}: ${describeView(views.source)}; ${views.destination.host}: ${describeView(views.destination)}`;
}

/** The checks a completed move must pass; returns the problems (empty = moved). */
export function movedProblems(views: HostViews): string[] {
  const p: string[] = [];
  const { source: s, destination: d } = views;
  if (!isRunning(d)) p.push(`not running on ${d.host} (${describeView(d)})`);
  else if (d.persistent !== true) p.push(`no persistent definition on ${d.host} (${describeView(d)})`);
  if (s.present !== false) p.push(`still known on ${s.host} (${describeView(s)}), expected it undefined there`);
  return p;
}

/**
 * After virsh reported success: the domain must run on the destination with its persistent
 * definition, and be gone from the source. libvirt removes the source domain a moment after the
 * migrate call returns (the lab saw "failed to get domain" races), so a few re-checks are allowed.
 */
export async function verifyMoved(domain: string, from: Host, to: Host, o: { attempts?: number; intervalMs?: number; switched: boolean }): Promise<HostViews> {
  const attempts = o.attempts ?? 10;
  let views = await inspectBoth(from, to, domain);
  for (let i = 1; i < attempts && movedProblems(views).length > 0; i++) {
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 500));
    views = await inspectBoth(from, to, domain);
  }
  const problems = movedProblems(views);
  if (problems.length === 0) return views;
  const location = judgeLocation(views, o.switched);
  throw new MoveError(
    `${domain}: virsh reported the move from ${from.name} to ${to.name} complete, but verification failed: ${problems.join("; ")}. ` +
      whereMessage(domain, views, location, from, to),
    location,
    stateAt(views, location),
    views,
    o.switched ? "postcopy" : "precopy",
    { host: location === "source" ? from.name : location === "destination" ? to.name : undefined, fix: fixFor(views, location, from, to, domain) },
  );
}

/** "The VM is on host b: running (migrated), persistent." etc. */
export function whereMessage(domain: string, views: HostViews, location: VmLocation, from: Host, to: Host): string {
  if (location === "source") return `${domain} is on host ${from.name}: ${describeView(views.source)}.`;
  if (location === "destination") return `${domain} is on host ${to.name}: ${describeView(views.destination)}.`;
  return `Where ${domain} is could not be determined: ${from.name} says ${describeView(views.source)}, ${to.name} says ${describeView(views.destination)}.`;
}

/** What the operator should do, by situation. */
export function fixFor(views: HostViews, location: VmLocation, from: Host, to: Host, domain: string): string {
  const d = views.destination;
  const s = views.source;
  if (location === "destination" && d.state?.reason === "post-copy failed") {
    return (
      `the guest's memory is split between ${from.name} and ${to.name}: do NOT destroy ${domain} on either host. ` +
      `Restore the link between them, then resume with: virsh -c <${from.name} uri> migrate --live --p2p --persistent --undefinesource --postcopy ` +
      `--postcopy-resume --domain ${domain} --desturi <${to.name} migration uri> ` +
      `(not with libvirt 11.3.0 on ${to.name}: its daemon crashed on every resume in our lab); then apply again`
    );
  }
  // Measured: QEMU's own stream outlives a cut link (TCP retransmits) while libvirt gives up after
  // its keepalive; the guest waits on the destination for pages and the move finishes by itself
  // once the link is back.
  if (location === "destination" && d.state?.reason === "post-copy" && s.state?.reason === "post-copy failed") {
    return (
      `the guest runs on ${to.name} but waits for memory that is still on ${from.name}: do NOT destroy ${domain} on either host. ` +
      `Restore the link between ${from.name} and ${to.name}; QEMU then finishes the move by itself (${to.name} shows "running (migrated)"). ` +
      `libvirt then leaves a stale definition on ${from.name} ("shut off (migrated)"): ` +
      `undefine it there (virsh undefine ${domain}) once ${to.name} runs the guest`
    );
  }
  if (location === "destination" && s.present === true && !isActive(s)) {
    return `${domain} runs on ${to.name}; remove the stale definition on ${from.name} (virsh undefine ${domain}) and apply again`;
  }
  if (location === "destination") return `${domain} runs on ${to.name}; apply again to reconcile`;
  if (location === "source") return `${domain} still runs on ${from.name}; nothing changed. Fix the cause above and apply again`;
  return `check ${domain} on both hosts (virsh domstate --reason ${domain}) before applying again`;
}
