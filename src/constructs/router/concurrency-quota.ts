import { IResolvable, Token } from "cdktf";
import { Construct } from "constructs";
import { DataAwsServicequotasServiceQuota } from "../../aws";
import { hclText } from "../hcl";

/** The account's Lambda "Concurrent executions" quota in Service Quotas. */
export const LAMBDA_CONCURRENCY_QUOTA = { serviceCode: "lambda", quotaCode: "L-B99A9384" } as const;

/** Concurrency Lambda keeps unreserved for the account's other functions (all of it, below this). */
export const LAMBDA_UNRESERVED_MINIMUM = 100;

export interface RouterConcurrencyQuotaProps {
  /** Whether the router exists: the quota is read only then. */
  readonly enabled: boolean | IResolvable;
  /** The router's reserved concurrency, checked against the quota. */
  readonly reservedConcurrency: number;
}

/**
 * The router's reserved concurrency against the account's Lambda quota, at plan: Lambda refuses a
 * reservation that leaves fewer than 100 (or, below a quota of 100, any) unreserved, and new accounts
 * often have a quota of 10 or 50. Service Quotas tells the quota (the applied value, else AWS's
 * default); reservations of the account's other functions are not visible here and count too.
 */
export class RouterConcurrencyQuota extends Construct {
  public readonly quota: DataAwsServicequotasServiceQuota;

  constructor(scope: Construct, id: string, props: RouterConcurrencyQuotaProps) {
    super(scope, id);
    const reserved = hclText(this, props.reservedConcurrency);
    const reservable = `(self.value - min(${LAMBDA_UNRESERVED_MINIMUM}, self.value))`;
    this.quota = new DataAwsServicequotasServiceQuota(this, "quota", {
      count: Token.asNumber(`\${${hclText(this, props.enabled)} ? 1 : 0}`),
      serviceCode: LAMBDA_CONCURRENCY_QUOTA.serviceCode,
      quotaCode: LAMBDA_CONCURRENCY_QUOTA.quotaCode,
      lifecycle: {
        postcondition: [
          {
            condition: Token.asAny(`\${${reserved} <= ${reservable}}`) as unknown as boolean,
            errorMessage:
              `[router-concurrency-quota] router_reserved_concurrency = \${${reserved}}: is more than this account may reserve for one function ` +
              `(its Lambda concurrency quota \${self.value} less the \${min(${LAMBDA_UNRESERVED_MINIMUM}, self.value)} Lambda keeps unreserved: \${${reservable}}), ` +
              `so creating the router would fail with InvalidParameterValueException. Fix: lower router_reserved_concurrency to at most \${${reservable}} ` +
              `(less what other functions reserve), or ask for a higher "Concurrent executions" quota (Service Quotas, AWS Lambda, ${LAMBDA_CONCURRENCY_QUOTA.quotaCode}).`,
          },
        ],
      },
    });
    this.quota.overrideLogicalId("lambda_concurrency");
  }
}
