import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { terraformChecks } from "../config/rules";
import { InputName, ServiceInputs } from "../config/types";
import { VARIABLES } from "../config/variables";

export type ServiceVariables = Readonly<Record<InputName, TerraformVariable>>;

/**
 * Declares the module's variables at the root of `scope`. Given `values`, each becomes the
 * variable's default: the root stack then plans exactly what the module would for those inputs.
 */
export function declareServiceVariables(scope: Construct, values?: ServiceInputs): ServiceVariables {
  const variables = {} as Record<InputName, TerraformVariable>;
  const checks = terraformChecks();
  for (const spec of VARIABLES) {
    const validation = checks
      .filter((check) => check.variable === spec.name)
      .map(({ condition, errorMessage }) => ({ condition, errorMessage }));
    const value = values ? values[spec.name] : spec.default;
    variables[spec.name] = new TerraformVariable(scope, spec.name, {
      type: spec.type,
      description: spec.description,
      ...(value === undefined ? {} : { default: value }),
      ...(validation.length > 0 ? { validation } : {}),
    });
    variables[spec.name].overrideLogicalId(spec.name);
  }
  return variables;
}
