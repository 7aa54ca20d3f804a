import { Token } from "cdktf";
import { Construct } from "constructs";
import { VpcEndpoint } from "../../aws";
import { hclText } from "../hcl";

export interface S3GatewayEndpointProps {
  /** Whether to create it (an HCL condition, or a literal). */
  readonly enabled: boolean | string;
  readonly vpcId: string;
  /** Route tables that get a route to S3 through the endpoint. */
  readonly routeTableIds: readonly string[];
  /** The region, as an HCL operand (the endpoint's service is `com.amazonaws.<region>.s3`). */
  readonly region: string;
  /** Value of its Name tag. */
  readonly name: string;
}

/**
 * An S3 gateway endpoint (no hourly or per-GB charge): the given route tables reach S3 in the region
 * without a NAT gateway or the internet. It carries S3's default endpoint policy: every S3 call from
 * those subnets goes through it, not only the weight cache's (an AMI's package repositories on S3
 * too), so a narrower policy would break them.
 */
export class S3GatewayEndpoint extends Construct {
  public readonly endpoint: VpcEndpoint;

  constructor(scope: Construct, id: string, props: S3GatewayEndpointProps) {
    super(scope, id);
    this.endpoint = new VpcEndpoint(this, "endpoint", {
      count: Token.asNumber(`\${${hclText(this, props.enabled)} ? 1 : 0}`),
      vpcId: props.vpcId,
      vpcEndpointType: "Gateway",
      serviceName: Token.asString(`\${format("com.amazonaws.%s.s3", ${hclText(this, props.region)})}`),
      routeTableIds: props.routeTableIds as string[],
      tags: { Name: props.name },
    });
  }
}
