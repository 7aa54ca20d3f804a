// Starting a model whose Auto Scaling group has no server: once per group and minute in a router
// instance however many requests ask (concurrent ones share the call), and harmless when several
// instances (Lambda environments) ask at once: the group's size is read first, and only a group at
// zero is raised, to one server. A group already above zero (a schedule's, a scaling policy's, another
// instance's doing) is never lowered.
import { AutoScalingError, AutoScalingTarget, describeGroupSizes, setDesiredCapacity } from "./autoscaling";

/** What a wake-up came to. */
export type WakeOutcome =
  /** The group was at zero and now wants one server. */
  | { readonly state: "started"; readonly group: string }
  /** The group already wants servers (they are starting). */
  | { readonly state: "starting"; readonly group: string; readonly desired: number }
  /** Auto Scaling would not: the group's max_size is 0 (a schedule keeps it off). */
  | { readonly state: "refused"; readonly group: string; readonly reason: string }
  /** The calls failed (permissions, network, throttling): the reason is the operator's. */
  | { readonly state: "failed"; readonly group: string; readonly reason: string };

/** Starts groups; the router holds one per process. */
export interface Waker {
  wake(group: string): Promise<WakeOutcome>;
}

/** The servers a group at zero is raised to: one, the least that serves; scaling policies add more. */
export const WAKE_CAPACITY = 1;

export interface AutoScalingWakerOptions extends AutoScalingTarget {
  /** A group asked within this long is not asked again; its last outcome answers. @default 60000 */
  readonly dedupeMs?: number;
  /** After a failed call, the next one waits this long. @default 10000 */
  readonly retryMs?: number;
  /** One line per Auto Scaling call made, for the log. @default stderr */
  readonly log?: (line: string) => void;
}

export class AutoScalingWaker implements Waker {
  /** Per group: the last call's outcome, and once it came, when and what it was. */
  private readonly recent = new Map<string, { readonly outcome: Promise<WakeOutcome>; settled?: { readonly at: number; readonly state: WakeOutcome["state"] } }>();
  /** Auto Scaling calls made (DescribeAutoScalingGroups, each perhaps followed by SetDesiredCapacity). */
  calls = 0;

  constructor(private readonly options: AutoScalingWakerOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  wake(group: string): Promise<WakeOutcome> {
    const last = this.recent.get(group);
    if (last !== undefined) {
      if (last.settled === undefined) return last.outcome;
      const keep = last.settled.state === "failed" ? (this.options.retryMs ?? 10_000) : (this.options.dedupeMs ?? 60_000);
      if (this.now() - last.settled.at < keep) return last.outcome;
    }
    const entry: { outcome: Promise<WakeOutcome>; settled?: { at: number; state: WakeOutcome["state"] } } = {
      outcome: this.call(group).then((outcome) => {
        entry.settled = { at: this.now(), state: outcome.state };
        return outcome;
      }),
    };
    this.recent.set(group, entry);
    return entry.outcome;
  }

  private async call(group: string): Promise<WakeOutcome> {
    this.calls += 1;
    const log = this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    let outcome: WakeOutcome;
    try {
      const sizes = await describeGroupSizes(this.options, group);
      if (sizes.desiredCapacity > 0) {
        outcome = { state: "starting", group, desired: sizes.desiredCapacity };
      } else if (sizes.maxSize < WAKE_CAPACITY) {
        outcome = { state: "refused", group, reason: `its max_size is ${sizes.maxSize} (a schedule keeps the model off)` };
      } else {
        await setDesiredCapacity(this.options, group, WAKE_CAPACITY);
        outcome = { state: "started", group };
      }
    } catch (err) {
      const reason =
        err instanceof AutoScalingError
          ? `Auto Scaling answered ${err.message}; the function's role needs autoscaling:DescribeAutoScalingGroups and autoscaling:SetDesiredCapacity on the group`
          : `Auto Scaling could not be reached (${(err as Error).message}): the function needs a route to it, a NAT gateway or an Auto Scaling interface endpoint in its VPC`;
      outcome = { state: "failed", group, reason };
    }
    log(JSON.stringify({ time: new Date(this.now()).toISOString(), event: "wake", ...outcome }));
    return outcome;
  }
}
