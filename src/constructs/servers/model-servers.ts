import { LbTargetGroup, SecurityGroup } from "../../aws";
import { ServerMode } from "../../config/types";

/** An SSM association target: where Run Command finds a model's servers. */
export interface PullTarget {
  /** `InstanceIds`, or `tag:<name>`. */
  readonly key: string;
  readonly values: string[];
}

/**
 * A kind of model server (single instances, Auto Scaling groups), as the rest of the service sees
 * it. The load balancer does not care which kind serves a model: the servers register themselves
 * with the model's target group and are reached through their security group.
 */
export interface ModelServers {
  /** The models this kind serves: those whose row has this `server_mode`. */
  readonly serverMode: ServerMode;
  /** The security group every server of this kind is in. */
  readonly securityGroup: SecurityGroup;
  /**
   * Registers each model's servers with the target group of the same key (`targetGroups` is a
   * `for_each` resource keyed like the model table). Call once.
   */
  registerWith(targetGroups: LbTargetGroup): void;
  /** Where the model pulls reach this kind's servers, within a `for_each` over the model table. */
  readonly pullTarget: PullTarget;
}
