/**
 * Where the servers' CloudWatch agent sends the bootstrap's log and the GPU metrics: one log group
 * and one metrics namespace per deployment. The bootstrap writes the agent's configuration
 * (src/userdata/bootstrap.sh, `agent_config`); the module creates the log group and reads the
 * metrics on its dashboard.
 */
export const serverLogGroupName = (prefix: string): string => `/ollama-fleet/${prefix}/servers`;
export const serverMetricsNamespace = (prefix: string): string => `OllamaFleet/Servers/${prefix}`;

/** The agent's nvidia_gpu measurements the bootstrap collects, one series per GPU. */
export const GPU_MEASUREMENTS = ["utilization_gpu", "utilization_memory", "memory_used", "memory_total"] as const;
export type GpuMeasurement = (typeof GPU_MEASUREMENTS)[number];

/** The CloudWatch metric of a measurement: the agent publishes nvidia_gpu's under nvidia_smi_<name>. */
export const gpuMetricName = (measurement: GpuMeasurement): string => `nvidia_smi_${measurement}`;

/**
 * The dimension the agent rolls every GPU metric up on (its `aggregation_dimensions`), besides the
 * per-GPU series: one series per Auto Scaling group, the average over its servers' GPUs, which the
 * GPU scaling policy and the dashboard read. Servers outside a group have no such dimension, and the
 * agent publishes no roll-up for them.
 */
export const GPU_GROUP_DIMENSION = "AutoScalingGroupName";
