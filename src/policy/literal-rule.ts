// The common shape: every resource of some types must hold one literal at one attribute.
import { finding, isExpression, lookup, Resource, resources, show } from "./terraform-json";
import { PolicyRule } from "./types";

export interface LiteralRuleProps {
  readonly id: string;
  readonly mirrors: readonly string[];
  readonly description: string;
  readonly fix: string;
  readonly types: readonly string[];
  /** Dotted path through single nested blocks, e.g. `metadata_options.http_tokens`. */
  readonly path: string;
  readonly expected: string | boolean;
  /** @default - every resource of `types` */
  readonly appliesTo?: (resource: Resource) => boolean;
}

/**
 * A rule that passes only when the literal is there. An expression fails too: the policy is
 * checked at synth, before any input is known, so `${var.x}` could be anything.
 */
export function literalRule(props: LiteralRuleProps): PolicyRule {
  const { types, path, expected, appliesTo = () => true, ...rule } = props;
  return {
    ...rule,
    check: (tf) =>
      resources(tf, ...types)
        .filter(appliesTo)
        .flatMap((resource) => {
          const actual = lookup(resource.body, path);
          if (actual === expected) return [];
          const must = isExpression(actual) ? `must be the literal ${JSON.stringify(expected)}` : `must be ${JSON.stringify(expected)}`;
          return [finding(rule, resource.address, `${path} is ${show(actual)}; it ${must}`)];
        }),
  };
}
