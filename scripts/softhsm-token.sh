#!/usr/bin/env bash
# Creates or removes a throwaway SoftHSM2 token (a software U-key) in a folder of its own, for
# tests. It never touches the system token directory (/var/lib/softhsm/tokens): every command
# runs with SOFTHSM2_CONF pointing at a configuration inside DIR.
#   softhsm-token.sh init DIR LABEL SO_PIN USER_PIN  -> prints SOFTHSM2_CONF=DIR/softhsm2.conf
#   softhsm-token.sh remove DIR                      -> deletes DIR and its tokens
# `init` is idempotent: when DIR already holds a token named LABEL it only prints the line.
# The PINs appear on softhsm2-util's command line, so use this for test tokens only.
set -euo pipefail

usage="usage: softhsm-token.sh init DIR LABEL SO_PIN USER_PIN | remove DIR"
action=${1:?$usage}
dir_argument=${2:?$usage}
# The first line of every configuration this script writes; `remove` deletes only folders
# that carry it, so a mistyped DIR cannot erase anything else.
marker="# ebank softhsm-token.sh test token"
# PKCS#11 pads token labels into 32 bytes; a longer label would be cut and never match.
label_bytes_max=32

# An absolute path, so the printed SOFTHSM2_CONF works from any working directory.
dir=$(realpath -m -- "$dir_argument")
case "$dir" in
  / | /var/lib/softhsm | /var/lib/softhsm/*)
    echo "softhsm-token: refusing to use $dir" >&2
    exit 2
    ;;
esac
conf="$dir/softhsm2.conf"

has_token() {
  # softhsm2-util lists each token with a "Label:" line padded with spaces; the label is
  # compared as a fixed string, so no character in it is special. The list is read whole
  # first: with pipefail, grep -q leaving early could fail the pipe and init a second token.
  local labels
  labels=$(SOFTHSM2_CONF="$conf" softhsm2-util --show-slots 2>/dev/null |
    sed -n 's/^[[:space:]]*Label:[[:space:]]*//p' | sed 's/[[:space:]]*$//') || return 1
  grep -Fxq -- "$1" <<<"$labels"
}

init() {
  local label=${1:?$usage} so_pin=${2:?$usage} user_pin=${3:?$usage}
  command -v softhsm2-util >/dev/null ||
    { echo "softhsm-token: softhsm2-util not found (apt-get install softhsm2)" >&2; exit 1; }
  # Bytes, not characters: a label such as "U盾" takes more bytes than it has letters.
  if (($(printf '%s' "$label" | LC_ALL=C wc -c) > label_bytes_max)); then
    echo "softhsm-token: label longer than $label_bytes_max bytes" >&2
    exit 2
  fi
  if [[ -e "$dir" && ! -f "$conf" && -n "$(ls -A "$dir")" ]]; then
    echo "softhsm-token: $dir exists and is not a softhsm-token folder" >&2
    exit 2
  fi
  mkdir -p "$dir/tokens"
  chmod 700 "$dir"
  if [[ ! -f "$conf" ]]; then
    cat >"$conf" <<EOF
$marker
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
  fi
  if ! has_token "$label"; then
    SOFTHSM2_CONF="$conf" softhsm2-util --init-token --free --label "$label" \
      --so-pin "$so_pin" --pin "$user_pin" >/dev/null
  fi
  echo "SOFTHSM2_CONF=$conf"
}

remove() {
  [[ -e "$dir" ]] || return 0
  if [[ "$(head -n 1 "$conf" 2>/dev/null)" != "$marker" ]]; then
    echo "softhsm-token: $dir is not a softhsm-token folder; not removing it" >&2
    exit 2
  fi
  rm -rf -- "$dir"
}

case "$action" in
  init) init "${@:3}" ;;
  remove) remove ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
