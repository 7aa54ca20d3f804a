import { TerraformIterator, TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { AutoscalingSchedule } from "../../aws";
import { ModelTable } from "../model-table";
import { atKey } from "../refs";
import { AsgServers } from "./asg-servers";

export interface ScalingSchedulesProps {
  /** The models and the schedules (`models.schedules`). */
  readonly models: ModelTable;
  /** The Auto Scaling groups the schedules resize. */
  readonly servers: AsgServers;
}

/**
 * One scheduled action per (schedule, Auto Scaling model), keyed `<schedule name>/<model key>`:
 * e.g. every model to zero at 20:00 on weekdays and back at 07:00. A schedule without `models`
 * applies to every model in `asg` mode.
 */
export class ScalingSchedules extends Construct {
  public readonly actions: AutoscalingSchedule;

  constructor(scope: Construct, id: string, props: ScalingSchedulesProps) {
    super(scope, id);
    const groups = props.models.modelsOfOperand("asg");
    const pairs = new TerraformLocal(
      this,
      "scaling_schedules",
      `\${{ for pair in flatten([for s in ${props.models.schedules} : [for k, m in ${groups} : ` +
        `{ key = format("%s/%s", s.name, k), model_key = k, name = s.name, recurrence = s.recurrence, time_zone = s.time_zone, ` +
        `min_size = s.min_size, max_size = s.max_size, desired_capacity = s.desired_capacity } if try(s.models, null) == null ? true : contains(try(s.models, []), m.llm_model)]]) : ` +
        `pair.key => pair }}`,
    );
    pairs.overrideLogicalId("scaling_schedules");
    const each = TerraformIterator.fromMap(pairs.expression);

    this.actions = new AutoscalingSchedule(this, "llm_schedule", {
      forEach: each,
      scheduledActionName: each.getString("name"),
      autoscalingGroupName: atKey(props.servers.groups, "each.value.model_key", "name"),
      recurrence: each.getString("recurrence"),
      timeZone: each.getString("time_zone"),
      minSize: each.getNumber("min_size"),
      maxSize: each.getNumber("max_size"),
      desiredCapacity: each.getNumber("desired_capacity"),
    });
    this.actions.overrideLogicalId("llm");
  }
}
