// Small hand-written stacks, shaped like cdktf's synthesized JSON.
import { TerraformJson } from "../../src/policy/types";

export type Resources = NonNullable<TerraformJson["resource"]>;

export const stack = (resource: Resources): TerraformJson => ({ resource });

/** A stack with no resource of any type a rule looks at. */
export const UNRELATED = stack({ aws_s3_bucket: { logs: { bucket: "logs" } } });

export const ALB_SG = "${aws_security_group.alb.id}";
export const SERVER_SG = "${aws_security_group.servers.id}";

/** An internal ALB behind `aws_security_group.alb`, a server behind `aws_security_group.servers`. */
export const NETWORK: Resources = {
  aws_security_group: { alb: { description: "load balancer" }, servers: { description: "servers" } },
  aws_lb: { llm: { internal: true, security_groups: [ALB_SG] } },
  aws_instance: { llm: { for_each: "${local.llm_models}", vpc_security_group_ids: [SERVER_SG] } },
};

/** A launch template that passes every server rule, as cdktf writes one (booleans as strings, as the schema types them). */
export const COMPLIANT_TEMPLATE = {
  metadata_options: { http_tokens: "required", http_endpoint: "enabled" },
  block_device_mappings: [{ device_name: "/dev/xvda", ebs: { encrypted: "true", volume_type: "gp3" } }],
  network_interfaces: [{ associate_public_ip_address: "false", security_groups: [SERVER_SG] }],
};
