/** The module's four network inputs, as every module-level test passes them (zones of the mocked region). */
export const NETWORK_INPUTS = {
  azs: ["ap-southeast-1a", "ap-southeast-1b"],
  subnet_ids: ["subnet-aaaa", "subnet-bbbb"],
  vpc_id: "vpc-1234",
  vpc_cidr_block: "10.0.0.0/16",
};
