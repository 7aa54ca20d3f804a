import { PolicyRule } from "../types";
import { albDropInvalidHeaders } from "./alb-drop-invalid-headers";
import { albInternal } from "./alb-internal";
import { albNoOpenEgress } from "./alb-no-open-egress";
import { apiAccessLogs } from "./api-access-logs";
import { apiDomainTls12 } from "./api-domain-tls12";
import { apiThrottling } from "./api-throttling";
import { asgElbHealthCheck } from "./asg-elb-health-check";
import { asgLaunchTemplate } from "./asg-launch-template";
import { imdsv2Required } from "./imdsv2-required";
import { lambdaConcurrencyCap } from "./lambda-concurrency-cap";
import { lambdaInVpc } from "./lambda-in-vpc";
import { lambdaPermissionPublic } from "./lambda-permission-public";
import { lambdaUrlAuth } from "./lambda-url-auth";
import { logGroupRetention } from "./log-group-retention";
import { noFullAccessPolicy } from "./no-full-access-policy";
import { noPublicIp } from "./no-public-ip";
import { rootVolumeEncrypted } from "./root-volume-encrypted";
import { serversOnlyFromAlb } from "./servers-only-from-alb";
import { servicePrincipalScoped } from "./service-principal-scoped";
import { sgDescriptions } from "./sg-descriptions";
import { s3BucketEncrypted } from "./s3-bucket-encrypted";
import { s3PublicAccessBlocked } from "./s3-public-access-blocked";
import { s3TlsOnly } from "./s3-tls-only";
import { ssmAssociationCompliance } from "./ssm-association-compliance";

export const POLICY_RULES: readonly PolicyRule[] = [
  imdsv2Required,
  rootVolumeEncrypted,
  noPublicIp,
  noFullAccessPolicy,
  albInternal,
  albDropInvalidHeaders,
  sgDescriptions,
  albNoOpenEgress,
  serversOnlyFromAlb,
  apiAccessLogs,
  apiThrottling,
  apiDomainTls12,
  ssmAssociationCompliance,
  asgLaunchTemplate,
  asgElbHealthCheck,
  logGroupRetention,
  lambdaUrlAuth,
  lambdaInVpc,
  lambdaConcurrencyCap,
  lambdaPermissionPublic,
  servicePrincipalScoped,
  s3BucketEncrypted,
  s3PublicAccessBlocked,
  s3TlsOnly,
];
