# Body of the model server bootstrap, shared by the user data (cloud-init, first boot) and the
# pull-models SSM document (State Manager, at creation and on a schedule). Each caller prepends a
# header that sets OLLAMA_VERSION, APP_PORT, MODELS (comma-separated), KEEP_ALIVE,
# RUN_TIMEOUT_SECONDS and CALLER (user-data or ssm). Safe to run again: it only changes what is
# missing or different, and pulling a model that is already there is skipped.
#
# Both callers run it with a bare environment: no HOME, and PATH from systemd. Every wait is
# bounded; the last line says what happened; the exit status names the step that failed:
#   0 ok, 10 inputs, 11 lock, 20 install, 21 user, 22 unit, 23 service, 24 API, 30 pulls.

set -u -o pipefail
umask 022

for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  case ":${PATH:-}:" in *":$dir:"*) ;; *) PATH="${PATH:+$PATH:}$dir" ;; esac
done
export PATH
# The ollama client panics without HOME or OLLAMA_MODELS; cloud-init and the SSM agent set neither.
export HOME="${HOME:-/root}"
export OLLAMA_MODELS=/usr/share/ollama/.ollama/models

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
# Seconds kept back at the end of the run to report, before the SSM agent's own timeout kills us.
MARGIN=60
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
  exit "$status"
}

remaining() { echo $((START + RUN_TIMEOUT_SECONDS - MARGIN - $(date +%s))); }

# retry ATTEMPTS FIRST_DELAY DESCRIPTION COMMAND...: runs COMMAND until it succeeds, doubling the
# delay between attempts; its output goes to the log; the last error stays in LAST_ERROR.
LAST_ERROR=""
retry() {
  local attempts=$1 delay=$2 what=$3 attempt output status
  shift 3
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    output="$("$@" 2>&1)"
    status=$?
    [ "$status" -eq 0 ] && return 0
    LAST_ERROR="$(printf '%s\n' "$output" | grep -v '^[[:space:]]*$' | tail -n 1)"
    LAST_ERROR="exit $status${LAST_ERROR:+: $LAST_ERROR}"
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

validate_inputs() {
  [[ "$OLLAMA_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-rc[0-9]+)?$ ]] || finish 10 "inputs: OLLAMA_VERSION '$OLLAMA_VERSION' is not a release number such as 0.13.0"
  if ! [[ "$APP_PORT" =~ ^[0-9]{1,5}$ ]] || [ "$APP_PORT" -lt 1 ] || [ "$APP_PORT" -gt 65535 ]; then
    finish 10 "inputs: APP_PORT '$APP_PORT' is not a TCP port"
  fi
  if ! [[ "$RUN_TIMEOUT_SECONDS" =~ ^[0-9]{1,6}$ ]] || [ "$RUN_TIMEOUT_SECONDS" -lt 120 ]; then
    finish 10 "inputs: RUN_TIMEOUT_SECONDS '$RUN_TIMEOUT_SECONDS' is not a number of seconds of at least 120"
  fi
  [[ "$KEEP_ALIVE" =~ ^-?[0-9][0-9.smh]*$ ]] || finish 10 "inputs: KEEP_ALIVE '$KEEP_ALIVE' is not a duration such as 6h"
  local model
  IFS=',' read -r -a MODEL_LIST <<<"$MODELS"
  [ "${#MODEL_LIST[@]}" -gt 0 ] || finish 10 "inputs: MODELS is empty"
  for model in "${MODEL_LIST[@]}"; do
    if ! [[ "$model" =~ ^[A-Za-z0-9][A-Za-z0-9._:/+-]*$ ]] || [ "${#model}" -gt 128 ]; then
      finish 10 "inputs: '$model' is not an Ollama model name"
    fi
  done
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

enable_gpu_metrics() {
  # GPU metrics to CloudWatch: the Deep Learning AMI ships this agent unit.
  systemctl is-enabled --quiet dlami-cloudwatch-agent@partial 2>/dev/null && return 0
  systemctl enable --now dlami-cloudwatch-agent@partial >/dev/null 2>&1 ||
    log "warning: dlami-cloudwatch-agent@partial is not on this AMI; no GPU metrics"
}

# shellcheck disable=SC2317 # called through retry
package_install() {
  local package=$1
  if command -v dnf >/dev/null 2>&1; then
    dnf install -y "$package"
  elif command -v yum >/dev/null 2>&1; then
    yum install -y "$package"
  elif command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y "$package" ||
      { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 update &&
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y "$package"; }
  else
    echo "no dnf, yum or apt-get on this machine"
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
# script has no marker; adopting it spares a download and a restart).
installed_version() {
  [ -x "$BIN" ] || return 0
  if [ -f "$VERSION_FILE" ]; then
    cat "$VERSION_FILE"
  else
    "$BIN" --version 2>/dev/null | sed -n 's/.*version is \([0-9][0-9a-z.-]*\).*/\1/p' | tail -n 1
  fi
}

ensure_ollama() {
  if [ "$(installed_version)" = "$OLLAMA_VERSION" ]; then
    [ -f "$VERSION_FILE" ] || printf '%s\n' "$OLLAMA_VERSION" >"$VERSION_FILE"
    log "ollama $OLLAMA_VERSION is installed"
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
  log "downloading $url"
  retry 5 10 "download of ollama $OLLAMA_VERSION" download "$url" "$archive" ||
    finish 20 "install: could not download $url ($LAST_ERROR)"
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
  install -d -o ollama -g ollama -m 755 /usr/share/ollama/.ollama "$OLLAMA_MODELS" ||
    finish 21 "user: cannot create $OLLAMA_MODELS"
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

ensure_unit() {
  # A unit that runs our binary as the ollama user is kept as it is (Ollama's install script
  # writes one too); any other is replaced.
  if ! grep -qx "ExecStart=$BIN serve" "$UNIT_FILE" 2>/dev/null || ! grep -qx "User=ollama" "$UNIT_FILE"; then
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
  write_file "$DROP_IN" "[Service]
Environment=\"OLLAMA_HOST=0.0.0.0:$APP_PORT\"
Environment=\"OLLAMA_MODELS=$OLLAMA_MODELS\"
Environment=\"OLLAMA_KEEP_ALIVE=$KEEP_ALIVE\"
Environment=\"OLLAMA_FLASH_ATTENTION=1\""
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
  local listen
  listen="$(sed -n 's/^Environment="OLLAMA_HOST=\(.*\)"$/\1/p' "$DROP_IN")"
  export OLLAMA_HOST="127.0.0.1:${listen##*:}"
}

wait_for_api() {
  local attempt
  for ((attempt = 1; attempt <= 60; attempt++)); do
    ollama list >/dev/null 2>&1 && return 0
    [ $((attempt % 10)) -eq 1 ] && log "waiting for ollama to answer on $OLLAMA_HOST"
    sleep 2
  done
  finish 24 "API: ollama does not answer on $OLLAMA_HOST after 60 tries ($(ollama list 2>&1 | tail -n 1)); journalctl -u ollama says why"
}

# Whether MODEL is in `ollama list` (a name without a tag is name:latest there).
have_model() {
  local model=$1
  [[ "${model##*/}" == *:* ]] || model="$model:latest"
  ollama list 2>/dev/null | awk 'NR > 1 { print $1 }' | grep -qxF "$model"
}

# shellcheck disable=SC2317 # called through retry
pull() {
  local left
  left=$(remaining)
  [ "$left" -gt 0 ] || { echo "no time left"; return 1; }
  timeout "$left" ollama pull "$1"
}

pull_models() {
  local model failed=() pulled=() present=()
  for model in "${MODEL_LIST[@]}"; do
    if have_model "$model"; then
      present+=("$model")
      log "$model is already there"
    elif retry 3 15 "pulling $model" pull "$model"; then
      pulled+=("$model")
      log "pulled $model"
    else
      failed+=("$model")
    fi
  done
  if [ "${#failed[@]}" -gt 0 ]; then
    finish 30 "pulls: could not pull ${failed[*]}; pulled: ${pulled[*]:-none}; already there: ${present[*]:-none}"
  fi
  finish 0 "ollama $OLLAMA_VERSION serves on port $APP_PORT; pulled: ${pulled[*]:-none}; already there: ${present[*]:-none}"
}

INSTALLED=0
UNIT_CHANGED=0
MODEL_LIST=()
mkdir -p "${LOG_FILE%/*}"
log "start: ollama $OLLAMA_VERSION, port $APP_PORT, models $MODELS, at most ${RUN_TIMEOUT_SECONDS}s"
validate_inputs
[ "$CALLER" = ssm ] && wait_for_cloud_init
take_lock
enable_gpu_metrics
ensure_ollama
ensure_user
ensure_unit
ensure_service
wait_for_api
pull_models
