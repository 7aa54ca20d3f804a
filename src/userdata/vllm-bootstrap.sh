# Body of the vLLM server bootstrap, shared by the user data (cloud-init, first boot) and the
# serve-vllm SSM document (State Manager, at creation and on a schedule). Each caller prepends a
# header that sets MODEL (a Hugging Face repository, org/name or org/name@revision), SERVED_NAME,
# APP_PORT, IMAGE, MAX_MODEL_LEN (0: the model's own), TENSOR_PARALLEL_SIZE, GPU_MEMORY_UTILIZATION,
# DTYPE, QUANTIZATION ("" or "-": from the model), ENGINE_ARGS and HF_TOKEN_PARAMETER ("" or "-": none), CACHE_ON_INSTANCE_STORE,
# RUN_TIMEOUT_SECONDS, UPGRADE_IN_PLACE (false: leave the running server as it is and only check
# it), LOG_GROUP, METRICS_NAMESPACE, MODEL_CACHE_BUCKET, MODEL_CACHE_PREFIX, MODEL_CACHE_REGION (the
# weight cache in S3; "" or "-" for none), TRANSFER_GBPS and CALLER (user-data or ssm). The helpers
# shared with the Ollama bootstrap (log, finish, retry, the lock, the CloudWatch agent, the weight
# cache's transfers) are prepended from it. With the argument "boot" (ollama-fleet-vllm-weights.service,
# before vllm.service) it only restores the weights from the cache.
#
# vLLM runs as the pinned image in a container of a systemd unit (vllm.service) around `docker run`,
# restarted whenever it exits. With a weight cache, a copy of the weights from S3, checked file by
# file, is served offline from a local folder; else the weights come from Hugging Face at its first
# start, into a cache on the instance store where there is one; once vLLM serves the model, a marker in that cache
# makes every later start run offline (HF_HUB_OFFLINE=1). A Hugging Face token, when a parameter
# names one, is read from SSM into a root-only file the container mounts: it is never in user
# data, a log, a process's arguments or its environment (docker inspect shows only its path).
#
# Safe to run again: it changes only what is missing or different. Every wait is bounded; the last
# line says what happened; the exit status names the step that failed: 0 ok, 10 inputs, 11 lock,
# 12 platform (no Docker, no NVIDIA Container Toolkit, too few GPUs), 20 image, 22 unit,
# 23 service, 24 API (vLLM does not serve the model in time), 25 token; at boot 13 (the instance
# store is not mounted).

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
  # "-" is the association's word for none (an empty parameter would keep the old value)
  [ "$QUANTIZATION" = - ] && QUANTIZATION=""
  [ "$ENGINE_ARGS" = - ] && ENGINE_ARGS=""
  [ "$HF_TOKEN_PARAMETER" = - ] && HF_TOKEN_PARAMETER=""
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
# Its model and revision are the script's own arrays (local_copy_lines), expanded when it runs.
# shellcheck disable=SC2016
serve_script() {
  local args=("serve" '"${model[@]}"' "--served-model-name" "$SERVED_NAME" "--host" "0.0.0.0" "--port" "$CONTAINER_PORT"
    "--tensor-parallel-size" "$TENSOR_PARALLEL_SIZE" "--gpu-memory-utilization" "$GPU_MEMORY_UTILIZATION" "--dtype" "$DTYPE")
  [ -n "$REVISION" ] && args+=('${revision[@]+"${revision[@]}"}')
  [ "$MAX_MODEL_LEN" != 0 ] && args+=("--max-model-len" "$MAX_MODEL_LEN")
  [ -n "$QUANTIZATION" ] && args+=("--quantization" "$QUANTIZATION")
  cat <<EOF
#!/bin/bash
# Written by the ollama-fleet vLLM bootstrap; vllm.service runs it. Starts vLLM's container, offline
# once the weights of $MODEL are in the cache (the bootstrap's marker), online until then; offline
# on the weight cache's checked copy when there is one.
set -u
cache=$CACHE_DIR
mkdir -p "\$cache" || exit 1
offline=0
[ -f $MARKER ] && offline=1
token=()
[ -s $TOKEN_FILE ] && token=(-v $TOKEN_FILE:$CONTAINER_TOKEN:ro -e HF_TOKEN_PATH=$CONTAINER_TOKEN)
$(local_copy_lines)
exec $DOCKER run --name $CONTAINER --gpus all --ipc=host -p $APP_PORT:$CONTAINER_PORT \\
  -v "\$cache:$CONTAINER_CACHE" -e HF_HUB_OFFLINE=\$offline -e VLLM_NO_USAGE_STATS=1 -e DO_NOT_TRACK=1 \\
  \${token[@]+"\${token[@]}"} \${copy[@]+"\${copy[@]}"} --entrypoint vllm $IMAGE ${args[*]}$(engine_argv_text)
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

# ---- The weight cache (docs/weight-cache.md, "vLLM models"). Under <prefix>vllm/<org>/<name>/ in
# the bucket: <revision>/manifest (the revision asked for, main without one), written last, names
# the commit it resolved to and each file with its sha256 and size; <commit>/files/<path> holds the
# files, keyed by the commit so that two snapshots of a moving branch never mix. A hit copies every
# file into a staging folder, checks each, and renames the folder into place: vLLM serves only a
# complete, checked copy. A miss or a damaged copy falls back to Hugging Face, and the server seeds
# the cache afterwards, every object created only where none is. Nothing here fails the run.
WEIGHTS_UNIT=/etc/systemd/system/ollama-fleet-vllm-weights.service
BOOT_COPY=$FLEET_LIB/vllm-bootstrap.sh
CONTAINER_WEIGHTS=/models
MANIFEST_HEAD="ollama-fleet vllm weights 1"
# A file the cache holds: path components of letters, digits and _ . + - (none starting with a dot:
# .cache, .gitattributes; none ending in .lock or .incomplete: huggingface_hub's unfinished files).
SAFE_PATH='^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,199}(/[A-Za-z0-9_][A-Za-z0-9_.+-]{0,199}){0,7}$'
CACHE_URL=""
CACHE_KEY=""
CACHE_ERROR=""
CACHE_STATS=""
CACHE_CORRUPT=0
AWS_OK=""

validate_cache_inputs() {
  [ "$MODEL_CACHE_BUCKET" = - ] && MODEL_CACHE_BUCKET=""
  [ -n "$MODEL_CACHE_BUCKET" ] || return 0
  [[ "$MODEL_CACHE_BUCKET" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || finish 10 "inputs: MODEL_CACHE_BUCKET '$MODEL_CACHE_BUCKET' is not an S3 bucket name"
  if ! [[ "$MODEL_CACHE_PREFIX" =~ ^([A-Za-z0-9_-][A-Za-z0-9_.-]*/)+$ ]] || [ "${#MODEL_CACHE_PREFIX}" -gt 256 ]; then
    finish 10 "inputs: MODEL_CACHE_PREFIX '$MODEL_CACHE_PREFIX' is not a key prefix such as model-cache/"
  fi
  [[ "$MODEL_CACHE_REGION" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || finish 10 "inputs: MODEL_CACHE_REGION '$MODEL_CACHE_REGION' is not an AWS region"
  [[ "$TRANSFER_GBPS" =~ ^([1-9][0-9]{0,3})?$ ]] || finish 10 "inputs: TRANSFER_GBPS '$TRANSFER_GBPS' is not a number of Gbps"
  CACHE_KEY="${MODEL_CACHE_PREFIX}vllm/$REPO"
  CACHE_URL="s3://$MODEL_CACHE_BUCKET/$CACHE_KEY"
}

# The revision the cache keys a copy by: the one asked for, else main.
revision_key() { printf '%s\n' "${REVISION:-main}"; }

# The local folder of the cache's copy, beside the Hugging Face cache (instance store or root volume).
weights_dir() { printf '%s/vllm-models/%s/%s\n' "${CACHE_DIR%/*}" "$REPO" "$(revision_key)"; }

# The serve script's choice: the cache's copy, mounted read-only and served offline, when it is
# there (complete: the bootstrap renames it into place once every file is checked); else the
# repository from Hugging Face.
local_copy_lines() {
  local dir in_container="$CONTAINER_WEIGHTS/$REPO"
  dir=$(weights_dir)
  printf '%s\n' "model=($REPO)" "revision=(${REVISION:+--revision $REVISION})" "copy=()" \
    "[ -d $dir ] && { offline=1; model=($in_container); revision=(); copy=(-v $dir:$in_container:ro); }"
}

# The AWS CLI and its settings, once per run.
cache_ready() {
  [ -n "$AWS_OK" ] || { command -v aws >/dev/null 2>&1 && ensure_aws_configs && AWS_OK=1; } || AWS_OK=0
  [ "$AWS_OK" = 1 ]
}

# cache_has KEY: 0 when the object is there, 1 when it is not (S3 answers 403 for a missing key to
# a role that may not list the bucket), 2 when S3 cannot tell.
weights_cache_has() {
  aws_s3 download s3api head-object --bucket "$MODEL_CACHE_BUCKET" --key "$CACHE_KEY/$1" && return 0
  [[ "$CACHE_ERROR" =~ \((403|404)\) ]] && return 1
  return 2
}

safe_path() { [[ "$1" =~ $SAFE_PATH ]] && ! [[ "$1" =~ \.(lock|incomplete)$ ]]; }

# Checks the manifest FILE: this model's, one commit, files with a digest, a size and a safe path,
# config.json among them. Writes "<sha256> <size> <path>" lines to $WORK/weights-files.
read_manifest() {
  local file=$1 bad
  CACHE_CORRUPT=1
  if [ "$(wc -c <"$file")" -gt 1048576 ] || [ "$(head -n 1 "$file")" != "$MANIFEST_HEAD" ]; then
    CACHE_ERROR="the cache's manifest is not one of ours"
    return 1
  fi
  { grep -qxF "repo $REPO" "$file" && grep -qxF "revision $(revision_key)" "$file"; } ||
    { CACHE_ERROR="the cache's manifest is another model's"; return 1; }
  MANIFEST_COMMIT=$(sed -n 's/^commit \([0-9a-f]\{40\}\)$/\1/p' "$file")
  [[ "$MANIFEST_COMMIT" =~ ^[0-9a-f]{40}$ ]] || { CACHE_ERROR="the cache's manifest names no commit"; return 1; }
  bad=$(tail -n +2 "$file" | grep -Ev '^(repo|revision|commit) ' | grep -Evx 'file [0-9a-f]{64} [0-9]{1,15} [^ ]+' | head -n 1)
  [ -z "$bad" ] || { CACHE_ERROR="the cache's manifest has a line that is not ours: ${bad:0:80}"; return 1; }
  sed -n 's/^file //p' "$file" >"$WORK/weights-files"
  bad=$(cut -d ' ' -f 3 "$WORK/weights-files" | while read -r path; do safe_path "$path" || echo "$path"; done | head -n 1)
  [ -z "$bad" ] || { CACHE_ERROR="the cache's manifest names a path that is not a model file: ${bad:0:80}"; return 1; }
  [ "$(cut -d ' ' -f 3 "$WORK/weights-files" | sort | uniq -d | wc -l)" -eq 0 ] || { CACHE_ERROR="the cache's manifest names a file twice"; return 1; }
  grep -q ' config\.json$' "$WORK/weights-files" || { CACHE_ERROR="the cache's manifest names no config.json"; return 1; }
  CACHE_CORRUPT=0
}

# restore_weights: 0 copied from the cache and checked, 1 not (CACHE_ERROR says why; CACHE_CORRUPT=1
# for a damaged copy), 2 the copy is already here.
restore_weights() {
  local dir stage sha size path files=0 bytes=0 started got
  dir=$(weights_dir)
  [ -d "$dir" ] && return 2
  started=$(date +%s)
  cache_get "$(revision_key)/manifest" "$WORK/weights-manifest" || { CACHE_ERROR="no manifest in the cache ($CACHE_ERROR)"; return 1; }
  read_manifest "$WORK/weights-manifest" || return 1
  stage="$dir.partial-$$"
  { rm -rf "$stage" && mkdir -p "$stage"; } || { CACHE_ERROR="cannot create $stage"; return 1; }
  while read -r -u 3 sha size path; do
    if ! cache_get "$MANIFEST_COMMIT/files/$path" "$stage/$path"; then
      CACHE_ERROR="the cache's manifest names $path, which the cache does not give ($CACHE_ERROR)"
    elif got=$(stat -c %s "$stage/$path") && [ "$got" != "$size" ]; then
      CACHE_ERROR="the cache's $path has $got bytes, its manifest says $size"
    elif got=$(sha256_of "$stage/$path") && [ "$got" != "$sha" ]; then
      CACHE_ERROR="the cache's $path does not match its manifest (sha256 $got)"
    else
      files=$((files + 1)) bytes=$((bytes + size))
      continue
    fi
    CACHE_CORRUPT=1
    break
  done 3<"$WORK/weights-files"
  if [ "$CACHE_CORRUPT" = 0 ] && ! { mkdir -p "${dir%/*}" && mv -T "$stage" "$dir"; }; then
    rm -rf "$stage"
    [ -d "$dir" ] && return 2
    CACHE_ERROR="cannot move the copy into $dir"
    return 1
  fi
  rm -rf "$stage"
  [ "$CACHE_CORRUPT" = 0 ] || return 1
  CACHE_STATS="commit $MANIFEST_COMMIT, $files files, $bytes bytes, $(($(date +%s) - started)) s"
}

# Restores the cache's copy, unless the weights are here already (the copy, or vLLM's own download).
restore_from_cache() {
  [ -n "$CACHE_URL" ] || return 0
  [ -f "$MARKER" ] && return 0
  if ! cache_ready; then
    cache_event "miss $MODEL (no AWS CLI on this server)"
    return 0
  fi
  CACHE_CORRUPT=0
  restore_weights
  case $? in
    0) cache_event "hit $MODEL from $CACHE_URL/$(revision_key) ($CACHE_STATS)" ;;
    1)
      [ "$CACHE_CORRUPT" = 1 ] && cache_event "corrupt $MODEL: $CACHE_ERROR; remove $CACHE_URL/$(revision_key)/manifest (docs/weight-cache.md)"
      cache_event "miss $MODEL ($CACHE_ERROR); vLLM downloads it from Hugging Face"
      ;;
    *) log "$MODEL is in $(weights_dir), from the weight cache" ;;
  esac
}

# After vLLM served the model from Hugging Face: uploads the snapshot's files (huggingface_hub's
# cache: refs/<revision> names the commit, snapshots/<commit>/ links into blobs/), each only where
# the cache lacks it and never over an object that is there, then the manifest, last.
seed_weights() {
  local hub commit snap list="$WORK/weights-seed" manifest="$WORK/weights-manifest.new" path sha size uploaded=0 count=0 status
  hub="$CACHE_DIR/hub/models--${REPO/\//--}"
  commit=$(revision_key)
  [[ "$commit" =~ ^[0-9a-f]{40}$ ]] || commit=$(head -c 64 "$hub/refs/$commit" 2>/dev/null)
  [[ "$commit" =~ ^[0-9a-f]{40}$ ]] || { log "cannot seed $MODEL: $hub/refs/$(revision_key) names no commit"; return 1; }
  snap="$hub/snapshots/$commit"
  [ -f "$snap/config.json" ] || { log "cannot seed $MODEL: no config.json in $snap"; return 1; }
  weights_cache_has "$(revision_key)/manifest"
  status=$?
  [ "$status" -eq 0 ] && return 0
  [ "$status" -eq 2 ] && { log "cannot seed $MODEL: S3 does not say whether the cache has it ($CACHE_ERROR)"; return 1; }
  printf '%s\n' "$MANIFEST_HEAD" "repo $REPO" "revision $(revision_key)" "commit $commit" >"$manifest"
  (cd "$snap" && find -L . -type f -printf '%P\n') | LC_ALL=C sort >"$list"
  while IFS= read -r -u 3 path; do
    if ! safe_path "$path"; then
      log "not seeding $snap/$path (not a model file)"
      continue
    fi
    if ! size=$(stat -L -c %s "$snap/$path") || ! sha=$(sha256_of "$snap/$path"); then
      log "cannot seed $MODEL: cannot read $snap/$path"
      return 1
    fi
    weights_cache_has "$commit/files/$path"
    status=$?
    [ "$status" -eq 2 ] && { log "cannot seed $MODEL: S3 does not say whether the cache has $path ($CACHE_ERROR)"; return 1; }
    if [ "$status" -eq 1 ]; then
      cache_put "$snap/$path" "$commit/files/$path"
      status=$?
      [ "$status" -eq 2 ] && { log "cannot seed $MODEL: this AWS CLI ($(aws --version 2>&1 | head -n 1)) has no --no-overwrite (2.33 or later)"; return 1; }
      [ "$status" -eq 1 ] && { log "cannot seed $MODEL: upload of $path failed ($CACHE_ERROR)"; return 1; }
      [ "$status" -eq 0 ] && uploaded=$((uploaded + 1))
    fi
    printf 'file %s %s %s\n' "$sha" "$size" "$path" >>"$manifest"
    count=$((count + 1))
  done 3<"$list"
  cache_put "$manifest" "$(revision_key)/manifest"
  status=$?
  [ "$status" -eq 3 ] && { log "$MODEL: another server seeded it first; the cache keeps its copy"; return 0; }
  [ "$status" -eq 0 ] || { log "cannot seed $MODEL: upload of its manifest failed ($CACHE_ERROR)"; return 1; }
  cache_event "seeded $MODEL to $CACHE_URL/$(revision_key) (commit $commit, $count files, $uploaded uploaded)"
}

# After vLLM serves: where its weights came from; seeds the cache with a download from Hugging Face.
weights_source() {
  if [ -d "$(weights_dir)" ]; then
    WEIGHTS="from the weight cache's copy in $(weights_dir)"
    return 0
  fi
  mark_weights
  [ -n "$CACHE_URL" ] && cache_ready && seed_weights
  return 0
}

# This script as the boot-time copy runs it: this run's settings, whoever ran it (the user data, the
# association: its "-" for none is the user data's ""), so a later run with the same settings leaves the copy as it is.
boot_copy() {
  printf '#!/bin/bash\n'
  sed -n '1,/^CALLER=/p' "$0" | grep -E '^[A-Z_]+=' | grep -Ev '^(CALLER|UPGRADE_IN_PLACE|TRANSFER_GBPS)=' | sed -E "s/^([A-Z_]+)='-'$/\\1=''/"
  printf '%s\n' "UPGRADE_IN_PLACE=true" "TRANSFER_GBPS=''" "CALLER=boot"
  sed '1,/^CALLER=/d' "$0"
}

# The copy of this script ollama-fleet-vllm-weights.service runs at every boot, before vllm.service,
# restoring the copy the instance store lost; removed with the cache.
ensure_weights_unit() {
  if [ -z "$CACHE_URL" ]; then
    [ -f "$WEIGHTS_UNIT" ] || return 0
    systemctl disable ollama-fleet-vllm-weights >/dev/null 2>&1
    rm -f "$WEIGHTS_UNIT" "$BOOT_COPY"
    log "no weight cache: removed $WEIGHTS_UNIT"
    return 0
  fi
  if ! { [ -f "$0" ] && mkdir -p "$FLEET_LIB" && boot_copy >"$WORK/boot-copy" &&
    { cmp -s "$WORK/boot-copy" "$BOOT_COPY" || { install -m 700 "$WORK/boot-copy" "$BOOT_COPY.new" && mv -f "$BOOT_COPY.new" "$BOOT_COPY"; }; }; }; then
    log "warning: cannot keep a copy of this script in $FLEET_LIB; weights the instance store loses come back with the next run"
    return 0
  fi
  local unit="[Unit]
Description=Copy vLLM's weights from the weight cache before vllm.service starts (ollama-fleet)
Wants=network-online.target
After=network-online.target local-fs.target
Before=vllm.service

[Service]
Type=oneshot
ExecStart=$BOOT_COPY boot
TimeoutStartSec=$RUN_TIMEOUT_SECONDS

[Install]
WantedBy=multi-user.target"
  if ! [ -f "$WEIGHTS_UNIT" ] || [ "$(cat "$WEIGHTS_UNIT")" != "$unit" ]; then
    printf '%s\n' "$unit" >"$WEIGHTS_UNIT" && systemctl daemon-reload >/dev/null 2>&1 && log "wrote $WEIGHTS_UNIT"
  fi
  systemctl is-enabled --quiet ollama-fleet-vllm-weights 2>/dev/null || systemctl enable ollama-fleet-vllm-weights >/dev/null 2>&1 ||
    log "warning: could not enable ollama-fleet-vllm-weights"
}

# At boot (ollama-fleet-vllm-weights.service): restores the copy the instance store lost, into the
# folder the server was set up with.
boot_restore() {
  [ -n "$CACHE_URL" ] || finish 0 "boot: no weight cache; nothing to restore"
  [ -x "$SERVE_SCRIPT" ] || finish 0 "boot: vLLM is not set up on this server yet; the bootstrap run restores the weights"
  CACHE_DIR=$(sed -n 's/^cache=//p' "$SERVE_SCRIPT" | head -n 1)
  MARKER="$CACHE_DIR/.ollama-fleet-weights-$(printf '%s' "$MODEL" | sha256sum | cut -c1-16)"
  if [[ "$CACHE_DIR" == "$INSTANCE_STORE/"* ]]; then
    local waited=0
    until mountpoint -q "$INSTANCE_STORE"; do
      [ "$waited" -ge 120 ] && finish 13 "instance store: $INSTANCE_STORE is not mounted after ${waited}s; vLLM starts without the cache's copy"
      sleep 5
      waited=$((waited + 5))
    done
  fi
  restore_from_cache
  if [ -d "$(weights_dir)" ]; then finish 0 "boot: $MODEL is in $(weights_dir), from the weight cache"; fi
  finish 0 "boot: $MODEL is not in the weight cache; vLLM downloads it from Hugging Face"
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
VLLM_MODE=${1:-run}
[ "$VLLM_MODE" = boot ] && CALLER=boot
mkdir -p "${LOG_FILE%/*}"
log "start: vllm $IMAGE, model $MODEL as $SERVED_NAME, port $APP_PORT, tensor parallel $TENSOR_PARALLEL_SIZE, dtype $DTYPE, upgrade in place: $UPGRADE_IN_PLACE, weight cache: ${MODEL_CACHE_BUCKET:-none}, at most ${RUN_TIMEOUT_SECONDS}s; the whole run: $LOG_FILE, CloudWatch log group $LOG_GROUP"
validate_inputs
validate_engine_args
validate_cache_inputs
WORK=$(mktemp -d /run/vllm-bootstrap.XXXXXX) || finish 11 "lock: cannot create a working folder under /run"
[ "$CALLER" = ssm ] && wait_for_cloud_init
take_lock
[ "$VLLM_MODE" = boot ] && boot_restore
if [ "$UPGRADE_IN_PLACE" = true ]; then
  ensure_log_shipping
  check_platform
  ensure_token
  ensure_image
  choose_cache
  restore_from_cache
  ensure_unit
  ensure_weights_unit
  ensure_service
else
  DOCKER=$(command -v docker) || finish 12 "platform: no docker on this machine"
  use_running_server
fi
wait_for_model
weights_source
finish 0 "vllm ($IMAGE) serves $MODEL as $SERVED_NAME on port $APP_PORT; weights $WEIGHTS"
