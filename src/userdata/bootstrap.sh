# Body of the model server bootstrap, shared by the user data (cloud-init, first boot) and the
# pull-models SSM document (State Manager, at creation and on a schedule). Each caller prepends a
# header that sets OLLAMA_VERSION, APP_PORT ("unchanged": the port Ollama already listens on), MODELS
# (comma-separated; empty: pull nothing), Ollama's settings CONTEXT_LENGTH, NUM_PARALLEL,
# KV_CACHE_TYPE (each "default" for Ollama's own) and KEEP_ALIVE, RUN_TIMEOUT_SECONDS, UPGRADE_IN_PLACE,
# LOG_GROUP and METRICS_NAMESPACE (where the CloudWatch agent sends this log and the GPU metrics),
# MODEL_CACHE_BUCKET, MODEL_CACHE_PREFIX and MODEL_CACHE_REGION (the weight cache in S3, "" for
# none), TRANSFER_GBPS (the instance type's network bandwidth, or "": the last one given stays)
# and CALLER (user-data or ssm). Safe to run again: it only changes what is missing or
# different, and pulling a model that is already there is skipped.
#
# With a weight cache, models come from S3 before Ollama starts (a model's manifest, then the blobs
# it names, each checked against its sha256 name), a model the cache lacks or holds damaged is
# pulled from the registry and then uploaded, never over what is there; and a copy of this script
# runs again at every boot with the argument "boot" (ollama-fleet-weights.service, before Ollama),
# restoring what the boot lost (the instance store's models).
#
# UPGRADE_IN_PLACE=true (first boot; the fleet's release rollout, one server at a time): install
# OLLAMA_VERSION where another release runs, rewrite the unit where its settings differ, restart
# Ollama after either. false (each model's own association, run on all its servers together): keep
# the release a server runs; set up only what is missing (Ollama where none is installed, a unit
# where there is none), and move Ollama to APP_PORT and the Ollama settings asked for when it runs
# with others (APP_PORT "unchanged": keep the port and settings it has).
#
# Both callers run it with a bare environment: no HOME, and PATH from systemd. Every wait is
# bounded; the last line says what happened; the exit status names the step that failed:
#   0 ok, 10 inputs, 11 lock, 12 platform (glibc older than 2.28, e.g. Amazon Linux 2),
#   13 instance store (at boot: its models folder is not mounted), 20 install, 21 user, 22 unit,
#   23 service, 24 API, 30 pulls.

set -u -o pipefail
umask 022

for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  case ":${PATH:-}:" in *":$dir:"*) ;; *) PATH="${PATH:+$PATH:}$dir" ;; esac
done
export PATH
# The ollama client panics without HOME or OLLAMA_MODELS; cloud-init and the SSM agent set neither.
export HOME="${HOME:-/root}"
export OLLAMA_MODELS=/usr/share/ollama/.ollama/models
MODE=${1:-run}
[ "$MODE" = boot ] && CALLER=boot

LOG_FILE=/var/log/ollama-bootstrap.log
LOCK_FILE=/run/lock/ollama-bootstrap.lock
BIN=/usr/local/bin/ollama
LIB_DIR=/usr/local/lib/ollama
VERSION_FILE="$LIB_DIR/.ollama-fleet-version"
STAGING=/usr/local/lib/ollama-fleet-staging
UNIT_FILE=/etc/systemd/system/ollama.service
# The drop-in earlier releases of this module wrote: taken over as it is, so an upgrade restarts nothing.
DROP_IN=/etc/systemd/system/ollama.service.d/override.conf
BOOT_FINISHED=/var/lib/cloud/instance/boot-finished
DOWNLOAD_URL=https://ollama.com/download
# Ollama's Linux builds link against glibc 2.28 (they are built on a RHEL 8 family system).
MIN_GLIBC=2.28
# Seconds an `ollama list` or `ollama --version` may take: the server answers them from its disk.
CLIENT_TIMEOUT=15
CWA_DIR=/opt/aws/amazon-cloudwatch-agent
CWA_CTL="$CWA_DIR/bin/amazon-cloudwatch-agent-ctl"
CWA_CONFIG="$CWA_DIR/etc/ollama-fleet.json"
# Where `fetch-config -c file:<path>` keeps the configuration it applied (and removes any other).
CWA_APPLIED="$CWA_DIR/etc/amazon-cloudwatch-agent.d/file_ollama-fleet.json"
# Seconds kept back at the end of the run to report, before the SSM agent's own timeout kills us.
MARGIN=60
# A command given to retry() that exits with this status has failed for good: no retry helps.
PERMANENT=100
# The models' folder: the root volume's, or the instance store's (the Deep Learning AMIs mount it
# here when the instance type has one; it is empty after every stop and start).
ROOT_MODELS=/usr/share/ollama/.ollama/models
INSTANCE_STORE=/opt/dlami/nvme
FLEET_LIB=/usr/local/lib/ollama-fleet
BOOT_UNIT=/etc/systemd/system/ollama-fleet-weights.service
START=$(date +%s)

log() {
  local line
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) ollama-bootstrap[$CALLER]: $*"
  printf '%s\n' "$line"
  printf '%s\n' "$line" >>"$LOG_FILE" 2>/dev/null || true
}

# The last line of every run: what happened, and the exit status.
finish() {
  local status=$1
  shift
  if [ "$status" -eq 0 ]; then log "OK: $*"; else log "FAILED (exit $status): $*"; fi
  rm -rf "$STAGING"
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
  exit "$status"
}

remaining() { echo $((START + RUN_TIMEOUT_SECONDS - MARGIN - $(date +%s))); }

# What a command printed, readable in a log: terminal control sequences removed (those that move
# the cursor up or to the line's start, and carriage returns, become line ends), and the redraws of
# the ollama client's progress display (every 100 ms) reduced to the first appearance of each line,
# without spinner frames or unfinished progress bars.
readable() {
  LC_ALL=C sed -e 's/\x1b\[[0-9]*[AG]/\n/g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r/\n/g' "$1" |
    LC_ALL=C sed -e 's/ *\xe2[\xa0-\xa3][\x80-\xbf] *$//' -e 's/[[:space:]]*$//' |
    LC_ALL=C grep -Ev '^$|^pulling [0-9a-f]+: +[0-9]{1,2}%' |
    awk '!seen[$0]++'
}

# retry ATTEMPTS FIRST_DELAY DESCRIPTION COMMAND...: runs COMMAND until it succeeds, doubling the
# delay between attempts. Its output goes to the log file (not to the run's output); the last line
# of the last failed attempt stays in LAST_ERROR. A COMMAND that exits PERMANENT is not run again.
LAST_ERROR=""
retry() {
  local attempts=$1 delay=$2 what=$3 attempt status output="$WORK/attempt.out" last
  shift 3
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    "$@" >"$output" 2>&1
    status=$?
    readable "$output" | sed 's/^/    | /' >>"$LOG_FILE" 2>/dev/null
    [ "$status" -eq 0 ] && return 0
    last="$(readable "$output" | tail -n 1)"
    if [ "$status" -eq "$PERMANENT" ]; then
      LAST_ERROR="${last:-failed for good}"
      log "$what failed (attempt $attempt/$attempts, $LAST_ERROR)"
      return 1
    fi
    LAST_ERROR="exit $status${last:+: $last}"
    log "$what failed (attempt $attempt/$attempts, $LAST_ERROR)"
    if [ "$attempt" -lt "$attempts" ]; then
      if [ "$(remaining)" -le "$delay" ]; then
        log "$what: no time left for another attempt"
        return 1
      fi
      sleep "$delay"
      delay=$((delay * 2))
    fi
  done
  return 1
}

# Why NAME is no model name Ollama accepts, naming the part at fault; nothing when it is one. The
# rules of Ollama's own parser: [host/][namespace/]model[:tag], the tag after the last ":" that
# follows the last "/"; each part a letter, digit or _ first, then letters, digits, _ and -, plus
# "." (not in a namespace) and ":" (a host's port); a host 1-350 characters, the others 1-80.
name_problem() {
  local name=$1 rest tag="" model namespace="" host="" parts
  if [[ "${name##*/}" == *:* ]]; then
    tag=${name##*:}
    rest=${name%:*}
    [[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$ ]] || { echo "its tag '$tag' is no Ollama tag (1-80 letters, digits and _ . -)"; return; }
  else
    rest=$name
  fi
  parts=${rest//[^\/]/}
  [ "${#parts}" -le 2 ] || { echo "it has more than three /-parts (host/namespace/model)"; return; }
  model=${rest##*/}
  [ "${#parts}" -ge 1 ] && namespace=${rest%/*}
  [ "${#parts}" -eq 2 ] && host=${namespace%/*} && namespace=${namespace##*/}
  [[ "$model" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$ ]] ||
    { echo "its model part '$model' is no Ollama model (1-80 letters, digits and _ . -; one : before the tag)"; return; }
  if [ "${#parts}" -ge 1 ] && ! [[ "$namespace" =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{0,79}$ ]]; then
    echo "its namespace '$namespace' is no Ollama namespace (1-80 letters, digits, _ and -; no dot)"
    return
  fi
  if [ "${#parts}" -eq 2 ] && ! [[ "$host" =~ ^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}$ ]]; then
    echo "its host '$host' is no registry host (1-350 letters, digits and _ . - :)"
  fi
}

validate_inputs() {
  if [[ "$OLLAMA_VERSION" =~ -rc[0-9]+$ ]]; then
    finish 10 "inputs: OLLAMA_VERSION '$OLLAMA_VERSION' is a release candidate: ollama.com serves one only until its release is out; pin a release such as 0.13.0"
  fi
  [[ "$OLLAMA_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || finish 10 "inputs: OLLAMA_VERSION '$OLLAMA_VERSION' is not a release number such as 0.13.0"
  if [ "$APP_PORT" != unchanged ] && { ! [[ "$APP_PORT" =~ ^[0-9]{1,5}$ ]] || [ "$APP_PORT" -lt 1 ] || [ "$APP_PORT" -gt 65535 ]; }; then
    finish 10 "inputs: APP_PORT '$APP_PORT' is neither a TCP port nor unchanged (the port Ollama already listens on)"
  fi
  if ! [[ "$RUN_TIMEOUT_SECONDS" =~ ^[0-9]{1,6}$ ]] || [ "$RUN_TIMEOUT_SECONDS" -lt 120 ]; then
    finish 10 "inputs: RUN_TIMEOUT_SECONDS '$RUN_TIMEOUT_SECONDS' is not a number of seconds of at least 120"
  fi
  [[ "$KEEP_ALIVE" =~ ^(-1|[0-9]{1,7}|[0-9]{1,5}[smh])$ ]] ||
    finish 10 "inputs: KEEP_ALIVE '$KEEP_ALIVE' is not -1, whole seconds or a number and one unit (s, m, h) such as 6h"
  # "default": Ollama's own, no line in the unit (a word: the AWS provider drops an empty parameter value)
  [ "$CONTEXT_LENGTH" != default ] || CONTEXT_LENGTH=""
  [ "$NUM_PARALLEL" != default ] || NUM_PARALLEL=""
  [ "$KV_CACHE_TYPE" != default ] || KV_CACHE_TYPE=""
  if [ -n "$CONTEXT_LENGTH" ] && { ! [[ "$CONTEXT_LENGTH" =~ ^[1-9][0-9]{2,6}$ ]] || [ "$CONTEXT_LENGTH" -lt 512 ] || [ "$CONTEXT_LENGTH" -gt 1048576 ]; }; then
    finish 10 "inputs: CONTEXT_LENGTH '$CONTEXT_LENGTH' is not a number of tokens from 512 to 1048576 (or default)"
  fi
  if [ -n "$NUM_PARALLEL" ] && { ! [[ "$NUM_PARALLEL" =~ ^[1-9][0-9]?$ ]] || [ "$NUM_PARALLEL" -gt 64 ]; }; then
    finish 10 "inputs: NUM_PARALLEL '$NUM_PARALLEL' is not a number of requests from 1 to 64 (or default)"
  fi
  [[ "$KV_CACHE_TYPE" =~ ^(f16|q8_0|q4_0)?$ ]] || finish 10 "inputs: KV_CACHE_TYPE '$KV_CACHE_TYPE' is not f16, q8_0 or q4_0 (or default)"
  [[ "$UPGRADE_IN_PLACE" =~ ^(true|false)$ ]] || finish 10 "inputs: UPGRADE_IN_PLACE '$UPGRADE_IN_PLACE' is neither true nor false"
  [[ "$LOG_GROUP" =~ ^[A-Za-z0-9/_.-]{1,512}$ ]] || finish 10 "inputs: LOG_GROUP '$LOG_GROUP' is not a CloudWatch log group name"
  [[ "$METRICS_NAMESPACE" =~ ^[A-Za-z0-9/_.-]{1,255}$ ]] || finish 10 "inputs: METRICS_NAMESPACE '$METRICS_NAMESPACE' is not a CloudWatch namespace"
  if [ -n "$MODEL_CACHE_BUCKET" ]; then
    [[ "$MODEL_CACHE_BUCKET" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || finish 10 "inputs: MODEL_CACHE_BUCKET '$MODEL_CACHE_BUCKET' is not an S3 bucket name"
    if ! [[ "$MODEL_CACHE_PREFIX" =~ ^([A-Za-z0-9_-][A-Za-z0-9_.-]*/)+$ ]] || [ "${#MODEL_CACHE_PREFIX}" -gt 256 ]; then
      finish 10 "inputs: MODEL_CACHE_PREFIX '$MODEL_CACHE_PREFIX' is not a key prefix such as model-cache/"
    fi
    [[ "$MODEL_CACHE_REGION" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || finish 10 "inputs: MODEL_CACHE_REGION '$MODEL_CACHE_REGION' is not an AWS region"
    CACHE_URL="s3://$MODEL_CACHE_BUCKET/${MODEL_CACHE_PREFIX}ollama"
  fi
  [[ "$TRANSFER_GBPS" =~ ^([1-9][0-9]{0,3})?$ ]] || finish 10 "inputs: TRANSFER_GBPS '$TRANSFER_GBPS' is not a number of Gbps"
  local model problem
  # Empty: pull nothing (the release rollout passes no models).
  IFS=',' read -r -a MODEL_LIST <<<"$MODELS"
  for model in "${MODEL_LIST[@]}"; do
    problem=$(name_problem "$model")
    [ -z "$problem" ] || finish 10 "inputs: '$model' is not an Ollama model name: $problem"
  done
}

# This machine's glibc release, as `getconf` (else `ldd --version`) tells it.
glibc_version() {
  local version
  version=$(getconf GNU_LIBC_VERSION 2>/dev/null) && [[ "$version" =~ ^glibc\ ([0-9]+\.[0-9]+) ]] && { echo "${BASH_REMATCH[1]}"; return; }
  version=$(ldd --version 2>/dev/null | head -n 1)
  [[ "$version" =~ ([0-9]+\.[0-9]+)$ ]] && echo "${BASH_REMATCH[1]}"
}

# Ollama does not run on a glibc older than 2.28 (Amazon Linux 2 has 2.26): say so before anything else.
check_platform() {
  local version
  version=$(glibc_version)
  [[ "$version" =~ ^([0-9]+)\.([0-9]+)$ ]] ||
    finish 12 "platform: cannot tell this machine's glibc release (getconf GNU_LIBC_VERSION, ldd --version); Ollama needs glibc $MIN_GLIBC or later"
  local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
  if [ "$major" -lt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -lt "${MIN_GLIBC#2.}" ]; }; then
    finish 12 "platform: glibc $version is older than the $MIN_GLIBC Ollama needs (Amazon Linux 2 has 2.26); use an Amazon Linux 2023 or Ubuntu AMI"
  fi
}

# The SSM association also runs at creation, usually before cloud-init has finished: wait for it,
# a bounded time, then go on (the lock keeps the two runs apart).
wait_for_cloud_init() {
  local limit=$((RUN_TIMEOUT_SECONDS / 2)) waited=0
  if [ ! -d "${BOOT_FINISHED%/*}" ]; then
    log "no cloud-init state on this machine; not waiting for it"
    return 0
  fi
  [ "$limit" -gt 1800 ] && limit=1800
  while [ ! -e "$BOOT_FINISHED" ]; do
    if [ "$waited" -ge "$limit" ]; then
      log "cloud-init has not finished after ${waited}s; going on"
      return 0
    fi
    [ $((waited % 60)) -eq 0 ] && log "waiting for cloud-init to finish (${waited}s of at most ${limit}s)"
    sleep 10
    waited=$((waited + 10))
  done
  log "cloud-init has finished"
}

take_lock() {
  command -v flock >/dev/null 2>&1 || { log "flock is missing; running without the lock"; return 0; }
  mkdir -p "${LOCK_FILE%/*}" || finish 11 "lock: cannot create ${LOCK_FILE%/*}"
  exec 9>>"$LOCK_FILE" || finish 11 "lock: cannot open $LOCK_FILE"
  local wait_for
  wait_for=$(($(remaining) / 2))
  [ "$wait_for" -gt 1800 ] && wait_for=1800
  [ "$wait_for" -lt 1 ] && wait_for=1
  flock -n 9 && return 0
  log "another bootstrap run is under way; waiting for it (at most ${wait_for}s)"
  flock -w "$wait_for" 9 || finish 11 "lock: another bootstrap run held $LOCK_FILE for ${wait_for}s; the next run retries"
}

# The CloudWatch agent's configuration, ours: this log to CloudWatch Logs (the SSM console shows
# 2,500 characters of a run), and the GPU metrics in our namespace, each series with the instance
# and its Auto Scaling group as dimensions (the agent adds the group only on a group's servers), and
# rolled up per group (one series per group, the average of its servers' GPUs: what the GPU scaling
# policy and the dashboard read; no roll-up on a server outside a group).
agent_config() {
  cat <<EOF
{
  "metrics": {
    "namespace": "$METRICS_NAMESPACE",
    "append_dimensions": { "InstanceId": "\${aws:InstanceId}", "AutoScalingGroupName": "\${aws:AutoScalingGroupName}" },
    "aggregation_dimensions": [["AutoScalingGroupName"]],
    "metrics_collected": {
      "nvidia_gpu": { "measurement": ["utilization_gpu", "utilization_memory", "memory_used", "memory_total"], "metrics_collection_interval": 60 }
    }
  },
  "logs": {
    "logs_collected": {
      "files": {
        "collect_list": [
          { "file_path": "$LOG_FILE", "log_group_name": "$LOG_GROUP", "log_stream_name": "{instance_id}/ollama-bootstrap", "timezone": "UTC" }
        ]
      }
    }
  }
}
EOF
}

# Applies our agent configuration when the agent runs another one (or none); the Deep Learning
# AMIs ship the agent. A failure here costs the shipped log, never the models.
ensure_log_shipping() {
  if [ ! -x "$CWA_CTL" ]; then
    log "warning: no CloudWatch agent on this machine ($CWA_CTL): this log stays in $LOG_FILE, and no GPU metrics"
    return 0
  fi
  local config
  config=$(agent_config)
  if [ -f "$CWA_APPLIED" ] && [ "$(cat "$CWA_APPLIED")" = "$config" ] && systemctl is-active --quiet amazon-cloudwatch-agent 2>/dev/null; then
    return 0
  fi
  # The AMI's own agent unit would put its configuration back at the next boot.
  if systemctl is-enabled --quiet dlami-cloudwatch-agent@partial 2>/dev/null; then
    systemctl disable dlami-cloudwatch-agent@partial >/dev/null 2>&1 || log "warning: could not disable dlami-cloudwatch-agent@partial"
  fi
  if ! { mkdir -p "${CWA_CONFIG%/*}" && printf '%s\n' "$config" >"$CWA_CONFIG"; }; then
    log "warning: cannot write $CWA_CONFIG; this log stays in $LOG_FILE"
    return 0
  fi
  if retry 2 10 "configuring the CloudWatch agent" timeout -k 5 120 "$CWA_CTL" -a fetch-config -m ec2 -c "file:$CWA_CONFIG" -s; then
    log "the CloudWatch agent sends this log to $LOG_GROUP (stream <instance id>/ollama-bootstrap) and the GPU metrics to $METRICS_NAMESPACE"
  else
    log "warning: the CloudWatch agent did not take $CWA_CONFIG ($LAST_ERROR); this log stays in $LOG_FILE"
  fi
}

# shellcheck disable=SC2317 # called through retry
package_install() {
  local package=$1
  if command -v dnf >/dev/null 2>&1; then
    dnf install -y "$package"
  elif command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y "$package" ||
      { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 update &&
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y "$package"; }
  else
    echo "no dnf or apt-get on this machine"
    return 1
  fi
}

ensure_zstd() {
  command -v zstd >/dev/null 2>&1 && return 0
  log "zstd is missing (ollama $OLLAMA_VERSION ships .tar.zst archives); installing it"
  if ! retry 4 10 "installing zstd" package_install zstd; then
    finish 20 "install: could not install zstd with the package manager ($LAST_ERROR)"
  fi
  command -v zstd >/dev/null 2>&1 || finish 20 "install: the package manager installed no zstd"
}

# shellcheck disable=SC2317 # called through retry
download() {
  local url=$1 out=$2 max_time
  max_time=$(remaining)
  [ "$max_time" -gt 1800 ] && max_time=1800
  [ "$max_time" -lt 60 ] && max_time=60
  # Written through stdout, as Ollama's install script reads it: every attempt of retry() starts
  # the file afresh, which curl's own --retry cannot promise for a partial transfer.
  curl --fail --silent --show-error --location --connect-timeout 30 --max-time "$max_time" "$url" >"$out"
}

# The release in $BIN: our marker, else what the binary says (a server set up by Ollama's install
# script has no marker; adopting it spares a download and a restart). `ollama --version` asks the
# running server too, and says "client version is X" last when the two differ.
installed_version() {
  [ -x "$BIN" ] || return 0
  if [ -f "$VERSION_FILE" ]; then
    cat "$VERSION_FILE"
  else
    timeout -k 5 "$CLIENT_TIMEOUT" "$BIN" --version 2>/dev/null | sed -n 's/.*version is \([0-9][0-9a-z.-]*\).*/\1/p' | tail -n 1
  fi
}

ensure_ollama() {
  local installed
  installed=$(installed_version)
  if [ "$installed" = "$OLLAMA_VERSION" ]; then
    [ -f "$VERSION_FILE" ] || printf '%s\n' "$OLLAMA_VERSION" >"$VERSION_FILE"
    log "ollama $OLLAMA_VERSION is installed"
    return 0
  fi
  if [ -n "$installed" ] && [ "$UPGRADE_IN_PLACE" = false ]; then
    [ -f "$VERSION_FILE" ] || printf '%s\n' "$installed" >"$VERSION_FILE"
    log "ollama $installed is installed and $OLLAMA_VERSION is asked for: UpgradeInPlace=false keeps $installed (the fleet's release rollout, or a group's instance refresh, brings $OLLAMA_VERSION)"
    return 0
  fi
  local arch extension major minor url archive
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) finish 20 "install: no ollama release for architecture $(uname -m)" ;;
  esac
  # Releases 0.14 and later ship .tar.zst archives only; earlier ones .tgz.
  IFS=. read -r major minor _ <<<"$OLLAMA_VERSION"
  if [ "$major" -gt 0 ] || [ "$minor" -ge 14 ]; then extension=tar.zst; else extension=tgz; fi
  [ "$extension" = tar.zst ] && ensure_zstd
  url="$DOWNLOAD_URL/ollama-linux-$arch.$extension?version=$OLLAMA_VERSION"
  archive="$STAGING/ollama-linux-$arch.$extension"
  rm -rf "$STAGING"
  mkdir -p "$STAGING/tree" || finish 20 "install: cannot create $STAGING"
  if [ -n "$CACHE_URL" ] && [ "$AWS_OK" = 1 ] && cache_get "releases/$OLLAMA_VERSION/${archive##*/}" "$archive"; then
    log "copied ollama $OLLAMA_VERSION from $CACHE_URL/releases/$OLLAMA_VERSION/${archive##*/}"
  else
    [ -n "$CACHE_URL" ] && [ "$AWS_OK" = 1 ] && log "ollama $OLLAMA_VERSION is not in the weight cache ($CACHE_ERROR)"
    log "downloading $url"
    retry 5 10 "download of ollama $OLLAMA_VERSION" download "$url" "$archive" ||
      finish 20 "install: could not download $url ($LAST_ERROR)"
  fi
  if [ "$extension" = tar.zst ]; then
    zstd -dc "$archive" | tar -xf - -C "$STAGING/tree"
  else
    tar -xzf "$archive" -C "$STAGING/tree"
  fi || finish 20 "install: could not unpack $archive"
  [ -f "$STAGING/tree/bin/ollama" ] || finish 20 "install: $url holds no bin/ollama"
  # A running server keeps the old binary busy; it restarts on the new one below.
  systemctl stop ollama >/dev/null 2>&1
  rm -rf "$LIB_DIR"
  mkdir -p /usr/local/bin /usr/local/lib || finish 20 "install: cannot create /usr/local/bin and /usr/local/lib"
  if [ -d "$STAGING/tree/lib/ollama" ]; then
    mv "$STAGING/tree/lib/ollama" "$LIB_DIR" || finish 20 "install: cannot move the libraries to $LIB_DIR"
  else
    mkdir -p "$LIB_DIR"
  fi
  install -o 0 -g 0 -m 755 "$STAGING/tree/bin/ollama" "$BIN" || finish 20 "install: cannot install $BIN"
  printf '%s\n' "$OLLAMA_VERSION" >"$VERSION_FILE"
  rm -rf "$STAGING"
  INSTALLED=1
  log "installed ollama $OLLAMA_VERSION ($arch) to $BIN and $LIB_DIR"
}

ensure_user() {
  if ! id ollama >/dev/null 2>&1; then
    local group_option=-U
    getent group ollama >/dev/null 2>&1 && group_option="-g ollama"
    # shellcheck disable=SC2086 # group_option is one or two words
    useradd -r -s /bin/false $group_option -m -d /usr/share/ollama ollama || finish 21 "user: useradd ollama failed"
    log "created the ollama user"
  fi
  local group
  for group in render video; do
    if getent group "$group" >/dev/null 2>&1 && ! id -nG ollama | tr ' ' '\n' | grep -qx "$group"; then
      usermod -a -G "$group" ollama || log "warning: could not add ollama to the $group group"
    fi
  done
  install -d -o ollama -g ollama -m 755 /usr/share/ollama/.ollama "${MODELS_DIR%/*}" "$MODELS_DIR" ||
    finish 21 "user: cannot create $MODELS_DIR"
}

# write_file PATH CONTENT: replaces PATH when its content differs; UNIT_CHANGED=1 then.
write_file() {
  local target=$1 content=$2
  [ -f "$target" ] && [ "$(cat "$target")" = "$content" ] && return 0
  if ! { mkdir -p "${target%/*}" && printf '%s\n' "$content" >"$target.new" && mv "$target.new" "$target"; }; then
    finish 22 "unit: cannot write $target"
  fi
  UNIT_CHANGED=1
  log "wrote $target"
}

# PORT: the port Ollama is to listen on: APP_PORT, or with "unchanged" the one its unit has (and its
# settings, resolve_settings). Known before anything is installed, so a run that cannot set a server
# up changes nothing.
PORT=""
resolve_port() {
  PORT=$APP_PORT
  [ "$PORT" = unchanged ] && PORT=$(unit_port)
  [ -n "$PORT" ] ||
    finish 22 "unit: no port to set Ollama up on: AppPort is unchanged (keep the server's port) and $DROP_IN names none; this server's user data, or its model's own association, sets it up"
  resolve_settings
}

ensure_unit() {
  local port=$PORT
  # A unit that runs our binary as the ollama user is kept as it is (Ollama's install script
  # writes one too); any other is replaced.
  local ours=1
  if ! grep -qx "ExecStart=$BIN serve" "$UNIT_FILE" 2>/dev/null || ! grep -qx "User=ollama" "$UNIT_FILE"; then ours=0; fi
  # UpgradeInPlace=false keeps a unit of ours whose drop-in has the port and settings asked for (a
  # group's run asks for those it has); an instance's run moves it to its model's new ones.
  if [ "$UPGRADE_IN_PLACE" = false ] && [ "$ours" = 1 ] && [ "$(cat "$DROP_IN" 2>/dev/null)" = "$(drop_in "$port")" ]; then
    return 0
  fi
  if [ "$ours" = 0 ]; then
    write_file "$UNIT_FILE" "[Unit]
Description=Ollama Service
After=network-online.target

[Service]
ExecStart=$BIN serve
User=ollama
Group=ollama
Restart=always
RestartSec=3

[Install]
WantedBy=default.target"
  fi
  write_file "$DROP_IN" "$(drop_in "$port")"
}

# The unit's drop-in for Ollama on port $1: where it listens and keeps its models, and its settings.
# A setting left empty gets no line (Ollama's default), so a server set up before a setting existed
# keeps its drop-in byte for byte, and no restart. Flash attention is always on: quantized KV caches
# need it.
drop_in() {
  printf '%s\n' "[Service]" "Environment=\"OLLAMA_HOST=0.0.0.0:$1\"" "Environment=\"OLLAMA_MODELS=$MODELS_DIR\"" \
    "Environment=\"OLLAMA_KEEP_ALIVE=$KEEP_ALIVE\"" "Environment=\"OLLAMA_FLASH_ATTENTION=1\""
  [ -z "$CONTEXT_LENGTH" ] || printf '%s\n' "Environment=\"OLLAMA_CONTEXT_LENGTH=$CONTEXT_LENGTH\""
  [ -z "$NUM_PARALLEL" ] || printf '%s\n' "Environment=\"OLLAMA_NUM_PARALLEL=$NUM_PARALLEL\""
  [ -z "$KV_CACHE_TYPE" ] || printf '%s\n' "Environment=\"OLLAMA_KV_CACHE_TYPE=$KV_CACHE_TYPE\""
}

# The Ollama settings a drop-in gives (NAME=value, one a line, sorted), to say what differs.
drop_in_settings() {
  sed -n 's/^Environment="\(OLLAMA_[A-Z_]*=.*\)"$/\1/p' | grep -v '^OLLAMA_HOST=' | LC_ALL=C sort
}

# The value the server's drop-in gives OLLAMA_$1, or $2 when it names none.
drop_in_value() {
  local value
  value=$(sed -n "s/^Environment=\"OLLAMA_$1=\(.*\)\"$/\1/p" "$DROP_IN" 2>/dev/null | tail -n 1)
  printf '%s\n' "${value:-${2:-}}"
}

# Ollama's settings for the drop-in: the parameters', or with AppPort "unchanged" (the release
# rollout; a group's servers, which take new settings through an instance refresh) those the server
# runs with, so such a run never changes them. A group's run says what its replacement brings.
SETTINGS_NOTED=""
resolve_settings() {
  KEEP_ALIVE=$ASKED_KEEP_ALIVE CONTEXT_LENGTH=$ASKED_CONTEXT_LENGTH NUM_PARALLEL=$ASKED_NUM_PARALLEL KV_CACHE_TYPE=$ASKED_KV_CACHE_TYPE
  [ "$APP_PORT" = unchanged ] || return 0
  local asked kept defaults="Ollama's defaults"
  asked=$(drop_in "$PORT" | drop_in_settings)
  KEEP_ALIVE=$(drop_in_value KEEP_ALIVE "$ASKED_KEEP_ALIVE")
  CONTEXT_LENGTH=$(drop_in_value CONTEXT_LENGTH)
  NUM_PARALLEL=$(drop_in_value NUM_PARALLEL)
  KV_CACHE_TYPE=$(drop_in_value KV_CACHE_TYPE)
  kept=$(drop_in "$PORT" | drop_in_settings)
  if [ "$UPGRADE_IN_PLACE" = false ] && [ "$asked" != "$kept" ] && [ -z "$SETTINGS_NOTED" ]; then
    SETTINGS_NOTED=1
    local only_asked only_kept
    only_asked=$(comm -23 <(printf '%s\n' "$asked") <(printf '%s\n' "$kept") | paste -sd ' ' -)
    only_kept=$(comm -13 <(printf '%s\n' "$asked") <(printf '%s\n' "$kept") | paste -sd ' ' -)
    log "Ollama settings differ: asked for ${only_asked:-$defaults}, this server runs with ${only_kept:-$defaults}; it keeps them until its group replaces it (instance refresh)"
  fi
}

# The release rollout (true, no models) on a server that runs the release with our unit and
# settings has nothing to do: it says so at once instead of waiting for the lock, which a model's
# own association may hold for a long pull. Read without the lock: anything else takes it.
nothing_to_roll_out() {
  [ "$UPGRADE_IN_PLACE" = true ] && [ "${#MODEL_LIST[@]}" -eq 0 ] || return 1
  [ "$(installed_version)" = "$OLLAMA_VERSION" ] && [ -n "$PORT" ] || return 1
  grep -qx "ExecStart=$BIN serve" "$UNIT_FILE" 2>/dev/null && grep -qx "User=ollama" "$UNIT_FILE" || return 1
  [ "$(cat "$DROP_IN" 2>/dev/null)" = "$(drop_in "$PORT")" ] && systemctl is-active --quiet ollama
}

# The port the unit makes Ollama listen on, from its drop-in.
unit_port() {
  local listen
  listen="$(sed -n 's/^Environment="OLLAMA_HOST=\(.*\)"$/\1/p' "$DROP_IN" 2>/dev/null | tail -n 1)"
  [[ "${listen##*:}" =~ ^[0-9]+$ ]] && echo "${listen##*:}"
}

ensure_service() {
  if [ "$UNIT_CHANGED" = 1 ]; then
    systemctl daemon-reload || finish 23 "service: systemctl daemon-reload failed"
  fi
  if ! systemctl is-enabled --quiet ollama 2>/dev/null; then
    systemctl enable ollama >/dev/null 2>&1 || finish 23 "service: systemctl enable ollama failed"
  fi
  if ! systemctl is-active --quiet ollama; then
    retry 3 5 "starting ollama" systemctl start ollama || finish 23 "service: ollama does not start ($LAST_ERROR)"
    log "started ollama"
  elif [ "$UNIT_CHANGED" = 1 ] || [ "$INSTALLED" = 1 ]; then
    retry 3 5 "restarting ollama" systemctl restart ollama || finish 23 "service: ollama does not restart ($LAST_ERROR)"
    log "restarted ollama on the new release or settings"
  fi
  # The client talks to the server where the unit makes it listen.
  SERVING_PORT=$(unit_port)
  SERVING_VERSION=$(installed_version)
  export OLLAMA_HOST="127.0.0.1:$SERVING_PORT"
}

# list_models: LISTED becomes the canonical names `ollama list` shows, one a line; false (with
# LIST_ERROR) when the server does not answer within CLIENT_TIMEOUT.
LISTED=""
LIST_ERROR=""
list_models() {
  local out status name
  out=$(timeout -k 5 "$CLIENT_TIMEOUT" ollama list 2>&1)
  status=$?
  if [ "$status" -ne 0 ]; then
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
      LIST_ERROR="ollama list did not answer within ${CLIENT_TIMEOUT}s"
    else
      LIST_ERROR="exit $status: $(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | tail -n 1)"
    fi
    return 1
  fi
  LISTED=$(printf '%s\n' "$out" | awk 'NR > 1 && NF { print $1 }' | while read -r name; do canonical_name "$name"; done)
}

# NAME as `ollama list` shows it, lower-cased: Ollama compares names regardless of case, fills in
# the tag (latest), namespace (library) and host (registry.ollama.ai) a name leaves out, and lists
# a model without the default host and namespace.
canonical_name() {
  local name=${1,,}
  [[ "${name##*/}" == *:* ]] || name="$name:latest"
  case "$name" in registry.ollama.ai/*/*) name=${name#registry.ollama.ai/} ;; esac
  case "$name" in library/*) [[ "${name#library/}" == */* ]] || name=${name#library/} ;; esac
  printf '%s\n' "$name"
}

have_model() { grep -qxF "$(canonical_name "$1")" <<<"$LISTED"; }

# At most 60 tries, and no longer than the run may take (a wedged server costs CLIENT_TIMEOUT a try).
wait_for_api() {
  local tries=0
  while [ "$tries" -lt 60 ]; do
    tries=$((tries + 1))
    list_models && return 0
    # every tenth try, and every try a wedged server let time out
    if [ $((tries % 10)) -eq 1 ] || [[ "$LIST_ERROR" == *"did not answer"* ]]; then
      log "waiting for ollama to answer on $OLLAMA_HOST ($LIST_ERROR)"
    fi
    [ "$(remaining)" -gt 2 ] || break
    sleep 2
  done
  finish 24 "API: ollama does not answer on $OLLAMA_HOST after $tries tries ($LIST_ERROR); journalctl -u ollama says why"
}

# pull MODEL: one `ollama pull`, bounded by the time left, its progress printed readable (retry()
# puts it in the log file). It counts only when the stream ended with "success" (the client exits
# 0 when the server's stream just stops) and `ollama list` then shows the model. A model or tag the
# registry does not have, or a name Ollama refuses, fails PERMANENT: no retry can help.
# shellcheck disable=SC2317 # called through retry
pull() {
  local model=$1 left status out="$WORK/pull.out"
  left=$(remaining)
  [ "$left" -gt 0 ] || { echo "no time left for ollama pull"; return 1; }
  timeout -k 10 "$left" ollama pull "$model" >"$out" 2>&1
  status=$?
  readable "$out"
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "ollama pull did not finish within ${left}s"
    return "$status"
  elif [ "$status" -ne 0 ]; then
    local refused
    refused=$(readable "$out" | grep -m 1 -e 'file does not exist' -e 'invalid model name')
    if [ -n "$refused" ]; then
      echo "$refused ($model: no such model or tag on its registry, or a name it refuses; not retried)"
      return "$PERMANENT"
    fi
    return "$status"
  fi
  if ! readable "$out" | grep -qx success; then
    echo "ollama pull exited 0, but its stream ended without success"
    return 1
  fi
  list_models || { echo "ollama pull reported success, but ollama list failed ($LIST_ERROR)"; return 1; }
  have_model "$model" || { echo "ollama pull reported success, but ollama list does not show $model"; return 1; }
}

# ---- The weight cache (docs/weight-cache.md). Objects under $CACHE_URL mirror Ollama's models
# folder: manifests/<host>/<namespace>/<model>/<tag>, blobs/sha256-<hex> (a blob's name is the
# sha256 of its content). Nothing here fails the run: a model the cache cannot give is pulled.

# The models' folder this server uses: the one of ours its unit already names (a set-up server
# keeps its models where they are), else the instance store's when there is a cache and one is
# mounted, else the root volume's.
choose_models_dir() {
  local configured
  configured=$(sed -n 's/^Environment="OLLAMA_MODELS=\(.*\)"$/\1/p' "$DROP_IN" 2>/dev/null | tail -n 1)
  if [ "$configured" = "$ROOT_MODELS" ] || [ "$configured" = "$INSTANCE_STORE/ollama/models" ]; then
    MODELS_DIR=$configured
  elif [ -n "$CACHE_URL" ] && mountpoint -q "$INSTANCE_STORE" 2>/dev/null; then
    MODELS_DIR="$INSTANCE_STORE/ollama/models"
  else
    MODELS_DIR=$ROOT_MODELS
  fi
}

# The AWS CLI's settings, one file per direction: downloads through the CRT transfer client
# (parallel ranged GETs) aiming at the instance type's bandwidth (without one it aims at 10 Gb/s
# unless it knows the type), uploads through the classic one (which sends --no-overwrite's
# If-None-Match on every kind of upload).
ensure_aws_configs() {
  local target="" download="$FLEET_LIB/aws-download.conf"
  if [ -n "$TRANSFER_GBPS" ]; then
    target="  target_bandwidth = ${TRANSFER_GBPS}Gb/s"
  else
    target=$(grep -m 1 '^  target_bandwidth = [0-9]*Gb/s$' "$download" 2>/dev/null)
  fi
  mkdir -p "$FLEET_LIB" &&
    printf '[default]\ns3 =\n  preferred_transfer_client = crt\n%s\n' "$target" >"$download" &&
    printf '[default]\ns3 =\n  preferred_transfer_client = classic\n' >"$FLEET_LIB/aws-upload.conf"
}

# aws_s3 DIRECTION ARGS...: the AWS CLI bounded by the time left; its last error line in CACHE_ERROR.
aws_s3() {
  local direction=$1 out="$WORK/aws.out" left status
  shift
  left=$(remaining)
  [ "$left" -gt 10 ] || { CACHE_ERROR="no time left"; return 1; }
  AWS_CONFIG_FILE="$FLEET_LIB/aws-$direction.conf" timeout -k 10 "$left" aws --region "$MODEL_CACHE_REGION" "$@" >"$out" 2>&1
  status=$?
  [ "$status" -eq 0 ] || CACHE_ERROR="exit $status: $(readable "$out" | tail -n 1)"
  return "$status"
}

# cache_get KEY FILE: the object, written whole or not at all (the CLI renames its temporary file).
cache_get() { aws_s3 download s3 cp --only-show-errors --no-progress "$CACHE_URL/$1" "$2"; }

# cache_has KEY: 0 when the object is there, 1 when it is not (S3 answers 403 for a missing key to
# a role that may not list the bucket), 2 when S3 cannot tell.
cache_has() {
  local key="${MODEL_CACHE_PREFIX}ollama/$1"
  aws_s3 download s3api head-object --bucket "$MODEL_CACHE_BUCKET" --key "$key" && return 0
  [[ "$CACHE_ERROR" =~ \((403|404)\) ]] && return 1
  return 2
}

# cache_put FILE KEY: creates the object unless one is there (If-None-Match: never over a complete
# object another server wrote). 0 created, 1 failed, 2 this CLI cannot do it, 3 one was there (the
# CLI then says nothing; it prints "upload:" for what it created).
cache_put() {
  if aws_s3 upload s3 cp --no-progress --no-overwrite "$1" "$CACHE_URL/$2"; then
    grep -q '^upload: ' "$WORK/aws.out" && return 0
    return 3
  fi
  [[ "$CACHE_ERROR" == *"Unknown options"* ]] && return 2
  return 1
}

# NAME -> <host>/<namespace>/<model>/<tag>, Ollama's defaults filled in, its case kept.
manifest_path() {
  local name=$1 tag=latest rest host=registry.ollama.ai namespace=library
  if [[ "${name##*/}" == *:* ]]; then tag=${name##*:} rest=${name%:*}; else rest=$name; fi
  case "$rest" in
    */*/*) host=${rest%%/*} rest=${rest#*/} namespace=${rest%%/*} rest=${rest#*/} ;;
    */*) namespace=${rest%%/*} rest=${rest#*/} ;;
  esac
  printf '%s/%s/%s/%s\n' "$host" "$namespace" "$rest" "$tag"
}

# The manifest file Ollama keeps for PATH (it matches a name's parts regardless of case).
local_manifest() {
  [ -f "$MODELS_DIR/manifests/$1" ] && { echo "$MODELS_DIR/manifests/$1"; return 0; }
  find "$MODELS_DIR/manifests" -mindepth 4 -maxdepth 4 -type f -ipath "$MODELS_DIR/manifests/$1" 2>/dev/null | head -n 1 | grep .
}

digests_of() { grep -oE 'sha256:[0-9a-f]{64}' "$1" | sort -u; }

# The sha256 of FILE: OpenSSL uses the CPU's SHA instructions, several times faster than sha256sum.
sha256_of() {
  if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1; else sha256sum "$1" | cut -d ' ' -f 1; fi
}

# Whether every blob the manifest FILE names is in the models' folder.
blobs_present() {
  local digest
  for digest in $(digests_of "$1"); do [ -f "$MODELS_DIR/blobs/sha256-${digest#sha256:}" ] || return 1; done
}

cache_event() { log "weight-cache: $*"; }

# restore_model MODEL: 0 copied from the cache, 1 not (CACHE_ERROR says why), 2 already here.
# Blobs go to a staging folder, each checked against its digest, then into blobs/; the manifest
# comes last, so Ollama never sees a model whose blobs are missing, and never prunes a restored
# blob (its start removes the blobs no manifest names).
restore_model() {
  local model=$1 path found digest name stage="$MODELS_DIR/.ollama-fleet-restore" started bytes=0 files=0 sum
  path=$(manifest_path "$model")
  found=$(local_manifest "$path") && blobs_present "$found" && return 2
  started=$(date +%s)
  cache_get "manifests/$path" "$WORK/manifest" || { CACHE_ERROR="no manifest in the cache ($CACHE_ERROR)"; return 1; }
  if [ "$(digests_of "$WORK/manifest" | wc -l)" -eq 0 ] || [ "$(wc -c <"$WORK/manifest")" -gt 1048576 ]; then
    CACHE_ERROR="the cache's manifest names no blob"
    CACHE_CORRUPT=1
    return 1
  fi
  if ! { rm -rf "$stage" && mkdir -p "$stage" "$MODELS_DIR/blobs" && chown ollama:ollama "$MODELS_DIR/blobs"; }; then
    CACHE_ERROR="cannot create $stage"
    return 1
  fi
  for digest in $(digests_of "$WORK/manifest"); do
    name="sha256-${digest#sha256:}"
    [ -f "$MODELS_DIR/blobs/$name" ] && continue
    if ! cache_get "blobs/$name" "$stage/$name"; then
      CACHE_ERROR="the cache's manifest names $name, which the cache does not give ($CACHE_ERROR)"
      CACHE_CORRUPT=1
      rm -rf "$stage"
      return 1
    fi
    sum=$(sha256_of "$stage/$name")
    if [ "$sum" != "${digest#sha256:}" ]; then
      CACHE_ERROR="the cache's $name does not match its digest (sha256 $sum)"
      CACHE_CORRUPT=1
      rm -rf "$stage"
      return 1
    fi
    bytes=$((bytes + $(stat -c %s "$stage/$name")))
    files=$((files + 1))
  done
  chown -R ollama:ollama "$stage" && find "$stage" -type f -exec mv -f {} "$MODELS_DIR/blobs/" \; &&
    mkdir -p "$MODELS_DIR/manifests/${path%/*}" && chown -R ollama:ollama "$MODELS_DIR/manifests" &&
    install -o ollama -g ollama -m 644 "$WORK/manifest" "$stage/manifest" &&
    mv -f "$stage/manifest" "$MODELS_DIR/manifests/$path"
  local status=$?
  rm -rf "$stage"
  [ "$status" -eq 0 ] || { CACHE_ERROR="cannot write into $MODELS_DIR"; return 1; }
  CACHE_STATS="$files new blobs, $bytes bytes, $(($(date +%s) - started)) s"
}

# Restores every model of this server the cache has and this server lacks.
restore_models() {
  [ -n "$CACHE_URL" ] || return 0
  local model status
  for model in "${MODEL_LIST[@]}"; do
    if [ "$AWS_OK" != 1 ]; then
      cache_event "miss $model (no AWS CLI on this server)"
      continue
    fi
    CACHE_CORRUPT=0
    restore_model "$model"
    status=$?
    if [ "$status" -eq 0 ]; then
      RESTORED+=("$model")
      cache_event "hit $model from $CACHE_URL ($CACHE_STATS)"
    elif [ "$status" -eq 1 ]; then
      [ "$CACHE_CORRUPT" = 1 ] && cache_event "corrupt $model: $CACHE_ERROR; remove its manifest from the cache (docs/weight-cache.md)"
      cache_event "miss $model ($CACHE_ERROR)"
    fi
  done
}

# seed_model MODEL: uploads the manifest and the blobs it names, blobs first, each only when the
# cache lacks it (a layer two models share goes up once), never over an object that is there.
seed_model() {
  local model=$1 path found digest name uploaded=0 status
  path=$(manifest_path "$model")
  found=$(local_manifest "$path") || { log "cannot seed $model: no manifest of it in $MODELS_DIR"; return 1; }
  cache_has "manifests/$path"
  status=$?
  [ "$status" -eq 0 ] && return 0
  [ "$status" -eq 2 ] && { log "cannot seed $model: S3 does not say whether the cache has it ($CACHE_ERROR)"; return 1; }
  for digest in $(digests_of "$found"); do
    name="sha256-${digest#sha256:}"
    cache_has "blobs/$name" && continue
    cache_put "$MODELS_DIR/blobs/$name" "blobs/$name"
    status=$?
    [ "$status" -eq 2 ] && { log "cannot seed $model: this AWS CLI ($(aws --version 2>&1 | head -n 1)) has no --no-overwrite (2.33 or later)"; return 1; }
    [ "$status" -eq 1 ] && { log "cannot seed $model: upload of $name failed ($CACHE_ERROR)"; return 1; }
    [ "$status" -eq 0 ] && uploaded=$((uploaded + 1))
  done
  cache_put "$found" "manifests/$path"
  status=$?
  [ "$status" -eq 3 ] && { log "$model: another server seeded it first; the cache keeps its copy"; return 0; }
  [ "$status" -eq 0 ] || { log "cannot seed $model: upload of its manifest failed ($CACHE_ERROR)"; return 1; }
  cache_event "seeded $model to $CACHE_URL ($uploaded blobs uploaded)"
}

# The copy of this script ollama-fleet-weights.service runs at every boot, before Ollama, with this
# run's models and settings; removed with the cache.
ensure_boot_unit() {
  if [ -z "$CACHE_URL" ]; then
    [ -f "$BOOT_UNIT" ] || return 0
    systemctl disable ollama-fleet-weights >/dev/null 2>&1
    rm -f "$BOOT_UNIT" "$FLEET_LIB/bootstrap.sh"
    log "no weight cache: removed $BOOT_UNIT"
    return 0
  fi
  # The release rollout names no models: the copy a model's own run left keeps them.
  [ "${#MODEL_LIST[@]}" -gt 0 ] || return 0
  if ! { [ -f "$0" ] && mkdir -p "$FLEET_LIB" && install -m 700 "$0" "$FLEET_LIB/bootstrap.sh.new" && mv -f "$FLEET_LIB/bootstrap.sh.new" "$FLEET_LIB/bootstrap.sh"; }; then
    log "warning: cannot keep a copy of this script in $FLEET_LIB; models the instance store loses at a stop come back with the next pull run"
    return 0
  fi
  local unit="[Unit]
Description=Copy this server's Ollama models from the weight cache before Ollama starts
Wants=network-online.target
After=network-online.target local-fs.target
Before=ollama.service

[Service]
Type=oneshot
ExecStart=$FLEET_LIB/bootstrap.sh boot
TimeoutStartSec=$RUN_TIMEOUT_SECONDS

[Install]
WantedBy=multi-user.target"
  if ! [ -f "$BOOT_UNIT" ] || [ "$(cat "$BOOT_UNIT")" != "$unit" ]; then
    printf '%s\n' "$unit" >"$BOOT_UNIT" && systemctl daemon-reload >/dev/null 2>&1 && log "wrote $BOOT_UNIT"
  fi
  systemctl is-enabled --quiet ollama-fleet-weights 2>/dev/null || systemctl enable ollama-fleet-weights >/dev/null 2>&1 ||
    log "warning: could not enable ollama-fleet-weights"
}

# At boot (ollama-fleet-weights.service, before ollama.service): restore what the boot lost.
boot_restore() {
  [ -n "$CACHE_URL" ] || finish 0 "boot: no weight cache; nothing to restore"
  [ -f "$DROP_IN" ] || finish 0 "boot: Ollama is not set up on this server yet; the bootstrap run restores the models"
  choose_models_dir
  if [[ "$MODELS_DIR" == "$INSTANCE_STORE/"* ]]; then
    local waited=0
    until mountpoint -q "$INSTANCE_STORE"; do
      [ "$waited" -ge 120 ] && finish 13 "instance store: $INSTANCE_STORE is not mounted after ${waited}s; Ollama starts without its models, and the next pull run fetches them"
      sleep 5
      waited=$((waited + 5))
    done
    install -d -o ollama -g ollama -m 755 "$INSTANCE_STORE/ollama" "$MODELS_DIR" || finish 21 "user: cannot create $MODELS_DIR"
  fi
  restore_models
  finish 0 "boot: from the cache: ${RESTORED[*]:-none}; the next pull run fetches what the cache did not give"
}

restored() { [[ " ${RESTORED[*]} " == *" $1 "* ]]; }

pull_models() {
  local model failed=() pulled=() present=() cached=()
  list_models || log "ollama list failed ($LIST_ERROR); pulling every model"
  for model in "${MODEL_LIST[@]}"; do
    if have_model "$model"; then
      if restored "$model"; then
        cached+=("$model")
        log "$model is there, from the cache"
      else
        present+=("$model")
        log "$model is already there"
      fi
      continue
    fi
    restored "$model" && cache_event "miss $model (restored from the cache, but ollama list does not show it)"
    if retry 3 15 "pulling $model" pull "$model"; then
      pulled+=("$model")
      log "pulled $model"
    else
      failed+=("$model")
    fi
  done
  # Uploads what the cache lacks: models pulled now, and models set up before the cache.
  if [ -n "$CACHE_URL" ] && [ "$AWS_OK" = 1 ]; then
    for model in "${pulled[@]}" "${present[@]}"; do seed_model "$model"; done
  fi
  local summary="pulled: ${pulled[*]:-none}; already there: ${present[*]:-none}"
  [ -z "$CACHE_URL" ] || summary="from the cache: ${cached[*]:-none}; $summary"
  [ "${#failed[@]}" -eq 0 ] || finish 30 "pulls: could not pull ${failed[*]}; $summary"
  [ "${#MODEL_LIST[@]}" -gt 0 ] || finish 0 "ollama $SERVING_VERSION serves on port $SERVING_PORT; no models asked for"
  finish 0 "ollama $SERVING_VERSION serves on port $SERVING_PORT; $summary"
}

INSTALLED=0
UNIT_CHANGED=0
MODEL_LIST=()
SERVING_VERSION=""
SERVING_PORT=""
WORK=""
CACHE_URL=""
CACHE_ERROR=""
CACHE_STATS=""
CACHE_CORRUPT=0
RESTORED=()
MODELS_DIR=$ROOT_MODELS
mkdir -p "${LOG_FILE%/*}"
log "start: ollama $OLLAMA_VERSION, port $APP_PORT, models ${MODELS:-none}, context ${CONTEXT_LENGTH:-default}, parallel ${NUM_PARALLEL:-default}, KV cache ${KV_CACHE_TYPE:-default}, keep-alive $KEEP_ALIVE, upgrade in place: $UPGRADE_IN_PLACE, weight cache: ${MODEL_CACHE_BUCKET:-none}, at most ${RUN_TIMEOUT_SECONDS}s; the whole run: $LOG_FILE, CloudWatch log group $LOG_GROUP"
validate_inputs
ASKED_KEEP_ALIVE=$KEEP_ALIVE ASKED_CONTEXT_LENGTH=$CONTEXT_LENGTH ASKED_NUM_PARALLEL=$NUM_PARALLEL ASKED_KV_CACHE_TYPE=$KV_CACHE_TYPE
check_platform
WORK=$(mktemp -d /run/ollama-bootstrap.XXXXXX) || finish 11 "lock: cannot create a working folder under /run"
[ "$CALLER" = ssm ] && wait_for_cloud_init
choose_models_dir
if [ "$MODE" != boot ]; then
  resolve_port
  nothing_to_roll_out && finish 0 "ollama $OLLAMA_VERSION serves on port $PORT; no models asked for"
fi
take_lock
AWS_OK=0
if [ -n "$CACHE_URL" ]; then
  if command -v aws >/dev/null 2>&1 && ensure_aws_configs; then AWS_OK=1; else log "warning: no AWS CLI on this server: the weight cache is out of reach"; fi
fi
[ "$MODE" = boot ] && boot_restore
resolve_port
choose_models_dir
ensure_log_shipping
ensure_ollama
ensure_user
# Before Ollama starts, when it is not running yet: its start prunes blobs no manifest names.
restore_models
ensure_boot_unit
ensure_unit
ensure_service
wait_for_api
pull_models
