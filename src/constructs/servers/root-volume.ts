import { Token } from "cdktf";
import { ModelTable } from "../model-table";

/**
 * A root volume smaller than its AMI's root snapshot fails at launch (and, in an Auto Scaling
 * group, fails every launch over and over). The snapshot's size is known only once the AMI is
 * looked up, so this rule has no TypeScript twin at synth: it is a postcondition of each server
 * resource (instance, launch template), inside a `for_each` over the model table. It checks only a
 * server that runs the AMI looked up now: a running one keeps its AMI (`ami` and `image_id` are
 * ignored), and a newer, larger AMI must not stop its plans. `amiAttribute` names the resource's AMI.
 */
export function rootVolumeFitsSnapshot(models: ModelTable, amiAttribute: "ami" | "image_id"): { condition: boolean; errorMessage: string } {
  const snapshot = models.rootDevice("snapshot_gb");
  return {
    condition: Token.asAny(`\${self.${amiAttribute} != each.value.ami || each.value.ebs_volume_gb >= ${snapshot}}`) as unknown as boolean,
    errorMessage:
      '[root-volume-size] ${format("llm_ec2_configs[%d].ebs_volume_gb = %d (model %s)", each.value.index, each.value.ebs_volume_gb, each.value.llm_model)}: ' +
      `is smaller than the root snapshot of the model's AMI (\${${snapshot}} GiB), so no server could launch. ` +
      `Fix: set ebs_volume_gb to at least \${${snapshot}}, plus room for the models.`,
  };
}
