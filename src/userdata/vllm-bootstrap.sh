# Body of the vLLM server bootstrap, shared by the user data (cloud-init, first boot) and the
# serve-vllm SSM document (State Manager, at creation and on a schedule). Each caller prepends a
# header that sets MODEL (a Hugging Face repository, org/name or org/name@revision), SERVED_NAME,
# APP_PORT, IMAGE, MAX_MODEL_LEN (0: the model's own), TENSOR_PARALLEL_SIZE, GPU_MEMORY_UTILIZATION,
# DTYPE, QUANTIZATION ("": from the model), HF_TOKEN_PARAMETER ("": none), CACHE_ON_INSTANCE_STORE,
# RUN_TIMEOUT_SECONDS, UPGRADE_IN_PLACE (false: leave the running server as it is and only check
# it), LOG_GROUP, METRICS_NAMESPACE and CALLER (user-data or ssm). The helpers shared with the
# Ollama bootstrap (log, finish, retry, the lock, the CloudWatch agent) are prepended from it.
#
# vLLM runs as the pinned image in a container of a systemd unit (vllm.service) around `docker run`,
# restarted whenever it exits. The weights come from Hugging Face at its first start, into a cache
# on the instance store where there is one; once vLLM serves the model, a marker in that cache
# makes every later start run offline (HF_HUB_OFFLINE=1). A Hugging Face token, when a parameter
# names one, is read from SSM into a root-only file the container mounts: it is never in user
# data, a log, a process's arguments or its environment (docker inspect shows only its path).
#
# Safe to run again: it changes only what is missing or different. Every wait is bounded; the last
# line says what happened; the exit status names the step that failed: 0 ok, 10 inputs, 11 lock,
# 12 platform (no Docker, no NVIDIA Container Toolkit, too few GPUs), 20 image, 22 unit,
# 23 service, 24 API (vLLM does not serve the model in time), 25 token.

# aws and docker read their configuration under HOME; cloud-init and the SSM agent set none.
export HOME="${HOME:-/root}"

VLLM_UNIT=vllm
VLLM_UNIT_FILE=/etc/systemd/system/vllm.service
SERVE_SCRIPT=/usr/local/lib/ollama-fleet/vllm-serve
TOKEN_FILE=/etc/ollama-fleet/vllm/hf-token
# Where the DLAMIs mount the instance store (its release notes: nvme_location), and the root volume's cache.
INSTANCE_STORE=/opt/dlami/nvme
ROOT_CACHE=/var/lib/ollama-fleet/huggingface
CONTAINER=vllm
CONTAINER_PORT=8000
CONTAINER_CACHE=/root/.cache/huggingface
CONTAINER_TOKEN=/run/secrets/hf-token
# Seconds between two looks at whether vLLM serves the model, and the unit restarts that give up on it.
POLL_SECONDS=5
MAX_RESTARTS=5
IMDS=http://169.254.169.254/latest

validate_inputs() {
  [[ "$MODEL" =~ ^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?/[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?(@[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$ ]] ||
    finish 10 "inputs: MODEL '$MODEL' is not a Hugging Face repository org/name or org/name@revision"
  [[ "$SERVED_NAME" =~ ^[A-Za-z0-9][A-Za-z0-9_./:-]{0,127}$ ]] || finish 10 "inputs: SERVED_NAME '$SERVED_NAME' is not a served name"
  if ! [[ "$APP_PORT" =~ ^[0-9]{1,5}$ ]] || [ "$APP_PORT" -lt 1 ] || [ "$APP_PORT" -gt 65535 ]; then
    finish 10 "inputs: APP_PORT '$APP_PORT' is not a TCP port"
  fi
  if ! [[ "$IMAGE" =~ ^(docker\.io/)?vllm/vllm-openai(:v[0-9]+\.[0-9]+\.[0-9]+(\.post[0-9]+)?(-[a-z0-9]+(\.[a-z0-9]+)*)*)?(@sha256:[0-9a-f]{64})?$ ]] ||
    ! [[ "$IMAGE" =~ (:v[0-9][^@]*|@sha256:[0-9a-f]{64})$ ]]; then
    finish 10 "inputs: IMAGE '$IMAGE' is not vllm/vllm-openai pinned to a release tag or a digest"
  fi
  [[ "$MAX_MODEL_LEN" =~ ^[0-9]{1,8}$ ]] || finish 10 "inputs: MAX_MODEL_LEN '$MAX_MODEL_LEN' is not a number of tokens"
  [[ "$TENSOR_PARALLEL_SIZE" =~ ^[1-9][0-9]?$ ]] || finish 10 "inputs: TENSOR_PARALLEL_SIZE '$TENSOR_PARALLEL_SIZE' is not a number of GPUs"
  [[ "$GPU_MEMORY_UTILIZATION" =~ ^(0?\.[0-9]*[1-9][0-9]*|1(\.0*)?)$ ]] || finish 10 "inputs: GPU_MEMORY_UTILIZATION '$GPU_MEMORY_UTILIZATION' is not a fraction above 0 and at most 1"
  [[ "$DTYPE" =~ ^(auto|half|float16|bfloat16|float|float32)$ ]] || finish 10 "inputs: DTYPE '$DTYPE' is not a vLLM dtype"
  [[ "$QUANTIZATION" =~ ^(awq|awq_marlin|gptq|gptq_marlin|fp8)?$ ]] || finish 10 "inputs: QUANTIZATION '$QUANTIZATION' is not a quantization method"
  [[ "$HF_TOKEN_PARAMETER" =~ ^(/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,14})?$ ]] || finish 10 "inputs: HF_TOKEN_PARAMETER '$HF_TOKEN_PARAMETER' is not an SSM parameter name"
  [[ "$CACHE_ON_INSTANCE_STORE" =~ ^(true|false)$ ]] || finish 10 "inputs: CACHE_ON_INSTANCE_STORE '$CACHE_ON_INSTANCE_STORE' is neither true nor false"
  if ! [[ "$RUN_TIMEOUT_SECONDS" =~ ^[0-9]{1,6}$ ]] || [ "$RUN_TIMEOUT_SECONDS" -lt 120 ]; then
    finish 10 "inputs: RUN_TIMEOUT_SECONDS '$RUN_TIMEOUT_SECONDS' is not a number of seconds of at least 120"
  fi
  [[ "$UPGRADE_IN_PLACE" =~ ^(true|false)$ ]] || finish 10 "inputs: UPGRADE_IN_PLACE '$UPGRADE_IN_PLACE' is neither true nor false"
  [[ "$LOG_GROUP" =~ ^[A-Za-z0-9/_.-]{1,512}$ ]] || finish 10 "inputs: LOG_GROUP '$LOG_GROUP' is not a CloudWatch log group name"
  [[ "$METRICS_NAMESPACE" =~ ^[A-Za-z0-9/_.-]{1,255}$ ]] || finish 10 "inputs: METRICS_NAMESPACE '$METRICS_NAMESPACE' is not a CloudWatch namespace"
  REPO=${MODEL%%@*}
  REVISION=""
  [[ "$MODEL" == *@* ]] && REVISION=${MODEL#*@}
}

# vLLM's extra flags: ENGINE_ARGS (set by the header too) holds engine_args as flag=value pairs
# joined by commas. Each flag and value is checked again against the allowlist (engine_arg_ok,
# generated from it): an SSM parameter can be edited by hand. The words become ENGINE_ARGV, written
# into the serve script quoted (printf %q), never evaluated by a shell on the way.
ENGINE_ARGV=()
validate_engine_args() {
  local pair flag value required seen="," shape='^[a-z][a-z0-9-]*=[A-Za-z0-9_.-]+(,[a-z][a-z0-9-]*=[A-Za-z0-9_.-]+)*$'
  local -a pairs=()
  [ -z "$ENGINE_ARGS" ] && return 0
  [[ "$ENGINE_ARGS" =~ $shape ]] ||
    finish 10 "inputs: ENGINE_ARGS is not flag=value pairs joined by commas (letters, digits, _ . - only); engine_args takes allowed vLLM flags only"
  IFS=, read -r -a pairs <<<"$ENGINE_ARGS"
  for pair in "${pairs[@]}"; do
    flag=${pair%%=*}
    value=${pair#*=}
    [[ "$seen" == *",$flag,"* ]] && finish 10 "inputs: ENGINE_ARGS names $flag twice"
    seen+="$flag,"
    engine_arg_ok "$flag" "$value" ||
      finish 10 "inputs: ENGINE_ARGS $flag=$value is not an allowed vLLM flag with a value it takes (engine_args; docs/engines.md)"
    if ! engine_arg_boolean "$flag"; then
      ENGINE_ARGV+=("--$flag" "$value")
    elif [ "$value" = true ]; then
      ENGINE_ARGV+=("--$flag")
    else
      ENGINE_ARGV+=("--no-$flag")
    fi
  done
  for pair in "${pairs[@]}"; do
    flag=${pair%%=*}
    required=$(engine_arg_requires "$flag")
    if [ -n "$required" ] && [ "${pair#*=}" = true ] && [[ "$seen" != *",$required,"* ]]; then
      finish 10 "inputs: ENGINE_ARGS sets $flag without $required, which vLLM needs with it"
    fi
  done
}

# Docker with the NVIDIA Container Toolkit (what `docker run --gpus` needs) and enough GPUs. The
# Deep Learning AMIs ship both; another AMI without them is refused, not patched.
check_platform() {
  DOCKER=$(command -v docker) ||
    finish 12 "platform: no docker on this machine; the Deep Learning AMIs ship Docker and the NVIDIA Container Toolkit: leave ami_id empty, or use an AMI with both"
  command -v nvidia-container-cli >/dev/null 2>&1 ||
    finish 12 "platform: no NVIDIA Container Toolkit (nvidia-container-cli), which docker run --gpus needs; the Deep Learning AMIs ship it: leave ami_id empty, or use an AMI with it"
  if ! systemctl is-active --quiet docker 2>/dev/null; then
    retry 3 5 "starting docker" systemctl start docker || finish 12 "platform: the docker service does not start ($LAST_ERROR)"
  fi
  retry 3 5 "reaching the docker daemon" timeout -k 5 30 "$DOCKER" info || finish 12 "platform: the docker daemon does not answer ($LAST_ERROR)"
  local gpus
  gpus=$(timeout -k 5 30 nvidia-smi -L 2>/dev/null | grep -c '^GPU ')
  [ "${gpus:-0}" -ge "$TENSOR_PARALLEL_SIZE" ] ||
    finish 12 "platform: this machine has ${gpus:-0} GPU(s), and the model is split over $TENSOR_PARALLEL_SIZE (tensor_parallel_size); pick an instance type with that many"
  # vLLM's images are built on CUDA 13 (since v0.20.0; a -cu12x tag on CUDA 12), which needs an R580
  # driver or newer (CUDA 12: R525); with an older one every start of the container would fail.
  local driver major need=580
  [[ "$IMAGE" =~ -cu12[0-9] ]] && need=525
  driver=$(timeout -k 5 30 nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -n 1)
  major=${driver%%.*}
  if ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt "$need" ]; then
    finish 12 "platform: NVIDIA driver '${driver:-none}' is older than the R$need that $IMAGE's CUDA needs; leave ami_id empty for a current Deep Learning AMI"
  fi
  log "docker and the NVIDIA Container Toolkit are here; $gpus GPU(s), driver $driver"
}

# The region, from the instance metadata (IMDSv2).
# shellcheck disable=SC2317 # called through retry
instance_region() {
  local token
  token=$(curl -fsS --max-time 5 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" "$IMDS/api/token") || return 1
  curl -fsS --max-time 5 -H "X-aws-ec2-metadata-token: $token" "$IMDS/meta-data/placement/region"
}

# One read of the token parameter, straight into a root-only file: the value goes through no
# variable, no argument and no log (a failure prints the CLI's error, which names no value).
# shellcheck disable=SC2317 # called through retry
fetch_token() {
  local region=$1 status err="$WORK/token.err"
  (umask 077 && timeout -k 5 60 aws ssm get-parameter --region "$region" --name "$HF_TOKEN_PARAMETER" --with-decryption \
    --query Parameter.Value --output text >"$TOKEN_FILE.new" 2>"$err")
  status=$?
  if [ "$status" -ne 0 ]; then
    rm -f "$TOKEN_FILE.new"
    cat "$err"
    # No such parameter: no retry helps. Access denied is retried: a role's new policy takes a
    # moment to reach every endpoint (IAM is eventually consistent).
    grep -q '(ParameterNotFound)' "$err" && return "$PERMANENT"
    return "$status"
  fi
  if [ ! -s "$TOKEN_FILE.new" ] || [ "$(wc -l <"$TOKEN_FILE.new")" -gt 1 ]; then
    rm -f "$TOKEN_FILE.new"
    echo "the parameter's value is not one line (a Hugging Face token is)"
    return "$PERMANENT"
  fi
}

# The Hugging Face token for gated and private repositories, when a parameter names one; removed
# when none does, so a token taken out of the configuration leaves the machine.
ensure_token() {
  if [ -z "$HF_TOKEN_PARAMETER" ]; then
    if [ -e "$TOKEN_FILE" ]; then
      rm -f "$TOKEN_FILE" || finish 25 "token: cannot remove $TOKEN_FILE"
      log "removed the Hugging Face token file (hf_token_parameter is empty)"
    fi
    return 0
  fi
  local region
  region=$(retry_value 3 2 instance_region) || finish 25 "token: cannot tell this machine's region from the instance metadata"
  { mkdir -p "${TOKEN_FILE%/*}" && chmod 700 "${TOKEN_FILE%/*}"; } || finish 25 "token: cannot create ${TOKEN_FILE%/*}"
  if ! retry 4 10 "reading the Hugging Face token from SSM parameter $HF_TOKEN_PARAMETER" fetch_token "$region"; then
    finish 25 "token: could not read SSM parameter $HF_TOKEN_PARAMETER ($LAST_ERROR); the parameter must exist in this region, the servers' role may read it, and a customer managed KMS key must let the role decrypt"
  fi
  if cmp -s "$TOKEN_FILE.new" "$TOKEN_FILE"; then
    rm -f "$TOKEN_FILE.new"
  else
    mv "$TOKEN_FILE.new" "$TOKEN_FILE" || finish 25 "token: cannot write $TOKEN_FILE"
    log "wrote the Hugging Face token from $HF_TOKEN_PARAMETER to $TOKEN_FILE (root only)"
  fi
}

# retry_value ATTEMPTS DELAY COMMAND...: the output of the first attempt that succeeds.
retry_value() {
  local attempts=$1 delay=$2 attempt out
  shift 2
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    out=$("$@" 2>/dev/null) && [ -n "$out" ] && { printf '%s\n' "$out"; return 0; }
    [ "$attempt" -lt "$attempts" ] && sleep "$delay"
  done
  return 1
}

# shellcheck disable=SC2317 # called through retry
pull_image() {
  local left status out="$WORK/pull.out"
  left=$(remaining)
  [ "$left" -gt 0 ] || { echo "no time left for docker pull"; return 1; }
  timeout -k 10 "$left" "$DOCKER" pull "$IMAGE" >"$out" 2>&1
  status=$?
  cat "$out"
  if [ "$status" -ne 0 ] && grep -qiE 'manifest unknown|not found|pull access denied|invalid reference format' "$out"; then
    printf '%s: no such image on its registry, not retried\n' "$(grep -iE 'manifest unknown|not found|pull access denied|invalid reference format' "$out" | tail -n 1)"
    return "$PERMANENT"
  fi
  return "$status"
}

ensure_image() {
  if timeout -k 5 60 "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
    log "image $IMAGE is here"
    return 0
  fi
  log "pulling $IMAGE"
  retry 5 15 "pulling $IMAGE" pull_image || finish 20 "image: could not pull $IMAGE ($LAST_ERROR)"
  PULLED=1
  log "pulled $IMAGE"
}

# The weights' cache: the instance store when the DLAMI mounted one (fast, and free), else the root
# volume. A warm pool's servers keep theirs on the root volume: a stopped instance loses its store.
choose_cache() {
  if [ "$CACHE_ON_INSTANCE_STORE" = true ] && mountpoint -q "$INSTANCE_STORE" 2>/dev/null; then
    CACHE_DIR=$INSTANCE_STORE/huggingface
  else
    CACHE_DIR=$ROOT_CACHE
  fi
  MARKER="$CACHE_DIR/.ollama-fleet-weights-$(printf '%s' "$MODEL" | sha256sum | cut -c1-16)"
}

# The script vllm.service runs: the container, offline once this model's weights are in the cache.
serve_script() {
  local args=("serve" "$REPO" "--served-model-name" "$SERVED_NAME" "--host" "0.0.0.0" "--port" "$CONTAINER_PORT"
    "--tensor-parallel-size" "$TENSOR_PARALLEL_SIZE" "--gpu-memory-utilization" "$GPU_MEMORY_UTILIZATION" "--dtype" "$DTYPE")
  [ -n "$REVISION" ] && args+=("--revision" "$REVISION")
  [ "$MAX_MODEL_LEN" != 0 ] && args+=("--max-model-len" "$MAX_MODEL_LEN")
  [ -n "$QUANTIZATION" ] && args+=("--quantization" "$QUANTIZATION")
  cat <<EOF
#!/bin/bash
# Written by the ollama-fleet vLLM bootstrap; vllm.service runs it. Starts vLLM's container, offline
# once the weights of $MODEL are in the cache (the bootstrap's marker), online until then.
set -u
cache=$CACHE_DIR
mkdir -p "\$cache" || exit 1
offline=0
[ -f $MARKER ] && offline=1
token=()
[ -s $TOKEN_FILE ] && token=(-v $TOKEN_FILE:$CONTAINER_TOKEN:ro -e HF_TOKEN_PATH=$CONTAINER_TOKEN)
exec $DOCKER run --name $CONTAINER --gpus all --ipc=host -p $APP_PORT:$CONTAINER_PORT \\
  -v "\$cache:$CONTAINER_CACHE" -e HF_HUB_OFFLINE=\$offline -e VLLM_NO_USAGE_STATS=1 -e DO_NOT_TRACK=1 \\
  \${token[@]+"\${token[@]}"} --entrypoint vllm $IMAGE ${args[*]}$(engine_argv_text)
EOF
}

# The extra flags as words of the serve script, each quoted for bash ("" when there are none).
engine_argv_text() {
  [ "${#ENGINE_ARGV[@]}" -eq 0 ] || printf ' %q' "${ENGINE_ARGV[@]}"
}

ensure_unit() {
  choose_cache
  write_file "$SERVE_SCRIPT" "$(serve_script)"
  chmod 755 "$SERVE_SCRIPT" || finish 22 "unit: cannot make $SERVE_SCRIPT executable"
  write_file "$VLLM_UNIT_FILE" "[Unit]
Description=vLLM serving $MODEL as $SERVED_NAME (ollama-fleet)
After=docker.service network-online.target
Wants=network-online.target
Requires=docker.service

[Service]
ExecStartPre=-$DOCKER rm -f $CONTAINER
ExecStart=$SERVE_SCRIPT
ExecStop=$DOCKER stop -t 30 $CONTAINER
Restart=always
RestartSec=10
TimeoutStopSec=60

[Install]
WantedBy=multi-user.target"
}

ensure_service() {
  if [ "$UNIT_CHANGED" = 1 ]; then
    systemctl daemon-reload || finish 23 "service: systemctl daemon-reload failed"
  fi
  if ! systemctl is-enabled --quiet "$VLLM_UNIT" 2>/dev/null; then
    systemctl enable "$VLLM_UNIT" >/dev/null 2>&1 || finish 23 "service: systemctl enable $VLLM_UNIT failed"
  fi
  if ! systemctl is-active --quiet "$VLLM_UNIT"; then
    retry 3 5 "starting $VLLM_UNIT" systemctl start "$VLLM_UNIT" || finish 23 "service: $VLLM_UNIT does not start ($LAST_ERROR)"
    log "started $VLLM_UNIT"
  elif [ "$UNIT_CHANGED" = 1 ] || [ "$PULLED" = 1 ]; then
    retry 3 5 "restarting $VLLM_UNIT" systemctl restart "$VLLM_UNIT" || finish 23 "service: $VLLM_UNIT does not restart ($LAST_ERROR)"
    log "restarted $VLLM_UNIT on the new image or settings"
  fi
}

# UpgradeInPlace=false (servers whose group rolls a new image or settings through an instance
# refresh): the running server stays as it is; the run only checks that it serves the model.
use_running_server() {
  { [ -f "$VLLM_UNIT_FILE" ] && [ -x "$SERVE_SCRIPT" ]; } ||
    finish 24 "API: no vLLM set up on this machine ($VLLM_UNIT_FILE), and UpgradeInPlace=false sets nothing up; the user data's log says why"
  CACHE_DIR=$(sed -n 's/^cache=//p' "$SERVE_SCRIPT" | head -n 1)
  MARKER="$CACHE_DIR/.ollama-fleet-weights-$(printf '%s' "$MODEL" | sha256sum | cut -c1-16)"
  log "UpgradeInPlace=false: vLLM stays as it is (no pull, no unit change, no restart); checking that it serves $SERVED_NAME"
  grep -qF -- "--entrypoint vllm $IMAGE " "$SERVE_SCRIPT" ||
    log "$IMAGE is asked for: this server keeps its image until its group replaces it (instance refresh)"
  systemctl is-active --quiet "$VLLM_UNIT" || retry 3 5 "starting $VLLM_UNIT" systemctl start "$VLLM_UNIT" ||
    finish 23 "service: $VLLM_UNIT does not start ($LAST_ERROR)"
}

# Whether vLLM lists the served model: it answers only once the weights are loaded.
serving() {
  local models
  models=$(curl -fsS --max-time 5 "http://127.0.0.1:$APP_PORT/v1/models" 2>/dev/null) || return 1
  grep -qF -e "\"id\":\"$SERVED_NAME\"" -e "\"id\": \"$SERVED_NAME\"" <<<"$models"
}

restarts() {
  local n
  n=$(systemctl show -p NRestarts "$VLLM_UNIT" 2>/dev/null | sed -n 's/^NRestarts=//p')
  [[ "$n" =~ ^[0-9]+$ ]] && echo "$n" || echo 0
}

# What docker says of the container, for a message: its status and exit code.
container_state() {
  local state
  local status code
  state=$(timeout -k 5 30 "$DOCKER" inspect --type container "$CONTAINER" 2>/dev/null | tr -d ' \n')
  status=$(sed -n 's/.*"Status":"\([a-z]*\)".*/\1/p' <<<"$state")
  code=$(sed -n 's/.*"ExitCode":\([0-9]*\).*/\1/p' <<<"$state")
  # docker inspect prints [] for no container: the unit removes it before each start (ExecStartPre)
  [ -n "$status" ] || { echo "no container at the moment: the unit removes it before each restart"; return; }
  printf 'container %s, exit code %s' "$status" "$code"
}

# The first start downloads the weights and loads them (minutes for a large model): wait, bounded
# by the run's time, and give up early when the container keeps exiting.
wait_for_model() {
  local tries=0 max_tries restarts_before
  restarts_before=$(restarts)
  max_tries=$(($(remaining) / POLL_SECONDS))
  while [ "$tries" -lt "$max_tries" ]; do
    tries=$((tries + 1))
    serving && return 0
    if [ $(($(restarts) - restarts_before)) -ge "$MAX_RESTARTS" ]; then
      finish 24 "API: vLLM's container exited $MAX_RESTARTS times without serving $SERVED_NAME ($(container_state)); journalctl -u $VLLM_UNIT says why"
    fi
    [ $((tries % 12)) -eq 1 ] &&
      log "waiting for vLLM to serve $SERVED_NAME on port $APP_PORT (downloading and loading the weights; $(container_state))"
    [ "$(remaining)" -gt "$POLL_SECONDS" ] || break
    sleep "$POLL_SECONDS"
  done
  finish 24 "API: vLLM does not serve $SERVED_NAME on port $APP_PORT after $tries tries ($(container_state)); journalctl -u $VLLM_UNIT says why"
}

# The weights are in the cache: every later start of the container runs offline.
mark_weights() {
  if [ -f "$MARKER" ]; then
    WEIGHTS="already in $CACHE_DIR"
    return 0
  fi
  if touch "$MARKER"; then
    WEIGHTS="downloaded to $CACHE_DIR; later starts run offline"
    log "$MODEL is in $CACHE_DIR: the next starts of the container run with HF_HUB_OFFLINE=1"
  else
    WEIGHTS="in $CACHE_DIR (could not write the offline marker)"
    log "warning: cannot write $MARKER; later starts still ask Hugging Face"
  fi
}

UNIT_CHANGED=0
PULLED=0
DOCKER=""
CACHE_DIR=""
MARKER=""
WEIGHTS=""
REPO=""
REVISION=""
WORK=""
mkdir -p "${LOG_FILE%/*}"
log "start: vllm $IMAGE, model $MODEL as $SERVED_NAME, port $APP_PORT, tensor parallel $TENSOR_PARALLEL_SIZE, dtype $DTYPE, upgrade in place: $UPGRADE_IN_PLACE, at most ${RUN_TIMEOUT_SECONDS}s; the whole run: $LOG_FILE, CloudWatch log group $LOG_GROUP"
validate_inputs
validate_engine_args
WORK=$(mktemp -d /run/vllm-bootstrap.XXXXXX) || finish 11 "lock: cannot create a working folder under /run"
[ "$CALLER" = ssm ] && wait_for_cloud_init
take_lock
if [ "$UPGRADE_IN_PLACE" = true ]; then
  ensure_log_shipping
  check_platform
  ensure_token
  ensure_image
  ensure_unit
  ensure_service
else
  DOCKER=$(command -v docker) || finish 12 "platform: no docker on this machine"
  use_running_server
fi
wait_for_model
mark_weights
finish 0 "vllm ($IMAGE) serves $MODEL as $SERVED_NAME on port $APP_PORT; weights $WEIGHTS"
