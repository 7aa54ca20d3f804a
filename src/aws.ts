// Every provider class we use, deep-imported in one place. The package root costs ~2 s and
// ~500 MB per process; a move to CDK Terrain (@cdktn/provider-aws) is an edit of this file.
export { AwsProvider } from "@cdktf/provider-aws/lib/provider";
export { DataAwsAmi } from "@cdktf/provider-aws/lib/data-aws-ami";
export { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
export { IamRole } from "@cdktf/provider-aws/lib/iam-role";
export { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
export { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
export { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
export { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
export { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
export { Instance } from "@cdktf/provider-aws/lib/instance";
export { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
export { SsmAssociation } from "@cdktf/provider-aws/lib/ssm-association";
export { Lb } from "@cdktf/provider-aws/lib/lb";
export { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
export { LbTargetGroupAttachment } from "@cdktf/provider-aws/lib/lb-target-group-attachment";
export { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
export { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
export { Apigatewayv2VpcLink } from "@cdktf/provider-aws/lib/apigatewayv2-vpc-link";
export { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
export { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
export { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
export { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
export { Apigatewayv2DomainName } from "@cdktf/provider-aws/lib/apigatewayv2-domain-name";
export { Apigatewayv2ApiMapping } from "@cdktf/provider-aws/lib/apigatewayv2-api-mapping";
export { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
