export * from "./types";
export * from "./check";
export { POLICY_RULES } from "./rules";
