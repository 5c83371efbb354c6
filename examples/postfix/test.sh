#!/usr/bin/env bash
# The milter example behind a real Postfix, end to end: messages sent with
# swaks over loopback, checked, stamped, refused or signed by the milter,
# and read back from the mailbox Postfix delivered them to.
#
# Needs Debian's postfix and swaks (.ci/run installs them), root (Postfix's
# master runs as root), and python3 with dkimpy for the signing check.
# Runs a private Postfix instance whose files all live in one temporary
# folder, listening on 127.0.0.1 only, and removes it at the end.
#
#   127.0.0.1:25251  smtpd that consults the milter (milter_default_action
#                    = tempfail); mail for receiver.example is delivered to
#                    Maildirs under the temporary folder
#   127.0.0.1:25252  smtpd that queues first and relays to 25251, so a
#                    message refused for a missing milter stays queued
#   127.0.0.1:25253  the milter
set -euo pipefail

cd "$(dirname "$0")/../.."
readonly ROOT=$PWD
readonly ZONE=$ROOT/examples/postfix/zone
readonly AUTHSERV_ID=mx.receiver.example
readonly MILTER=127.0.0.1:25253
readonly CHECKED=127.0.0.1:25251
readonly QUEUED=127.0.0.1:25252

WORK=$(mktemp -d /tmp/mailtrail-postfix.XXXXXX)
readonly WORK
readonly CONF=$WORK/etc MAIL=$WORK/mail
MILTER_PID=
FAILURES=0
PASSES=0

log() { printf '%s\n' "$*"; }

cleanup() {
  stop_milter
  postfix -c "$CONF" stop >/dev/null 2>&1 || true
  sleep 1
  pkill -f "$CONF" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

check() {
  local name=$1
  shift
  if "$@"; then
    PASSES=$((PASSES + 1))
    log "ok   $name"
  else
    FAILURES=$((FAILURES + 1))
    log "FAIL $name"
  fi
}

start_milter() {
  "$ROOT/target/debug/examples/milter" --listen "$MILTER" --authserv-id "$AUTHSERV_ID" \
    --zone "$ZONE" --reject-on-dmarc --sign-domain receiver.example --selector ed \
    --key "$ROOT/crates/dkim/tests/data/test-only-ed25519.pem" 2>>"$WORK/milter.log" &
  MILTER_PID=$!
  for _ in $(seq 50); do
    grep -q listening "$WORK/milter.log" 2>/dev/null && return 0
    sleep 0.1
  done
  log "the milter did not start"; cat "$WORK/milter.log"; exit 1
}

stop_milter() {
  if [ -n "$MILTER_PID" ]; then
    kill "$MILTER_PID" 2>/dev/null || true
    wait "$MILTER_PID" 2>/dev/null || true
    MILTER_PID=
  fi
}

configure_postfix() {
  mkdir -p "$CONF" "$WORK/queue" "$WORK/data" "$MAIL"
  chmod 755 "$WORK"
  chown nobody:nogroup "$MAIL"
  chown postfix "$WORK/data"
  cp /usr/share/postfix/master.cf.dist "$CONF/master.cf"
  cp /etc/postfix/postfix-files "$CONF/" 2>/dev/null || true
  cp -r /etc/postfix/postfix-files.d "$CONF/" 2>/dev/null || true
  cp /etc/postfix/dynamicmaps.cf "$CONF/" 2>/dev/null || true
  cp -r /etc/postfix/dynamicmaps.cf.d "$CONF/" 2>/dev/null || true
  : >"$CONF/main.cf"

  postconf -c "$CONF" -e \
    "compatibility_level = 3.6" \
    "queue_directory = $WORK/queue" \
    "data_directory = $WORK/data" \
    "maillog_file_prefixes = /var, /dev/stdout, $WORK" \
    "maillog_file = $WORK/postfix.log" \
    "myhostname = $AUTHSERV_ID" \
    "mydomain = receiver.example" \
    "myorigin = receiver.example" \
    "mydestination =" \
    "inet_interfaces = loopback-only" \
    "inet_protocols = ipv4" \
    "mynetworks = 127.0.0.0/8" \
    "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" \
    "local_header_rewrite_clients =" \
    "alias_maps =" "alias_database =" \
    "virtual_mailbox_domains = receiver.example" \
    "virtual_mailbox_base = $MAIL" \
    "virtual_mailbox_maps = inline:{bob@receiver.example=bob/, carol@receiver.example=carol/}" \
    "virtual_uid_maps = static:65534" "virtual_gid_maps = static:65534" \
    "default_transport = error:no mail leaves this test" \
    "smtpd_peername_lookup = no" \
    "smtp_dns_support_level = disabled" \
    "milter_default_action = tempfail" \
    "milter_protocol = 6" \
    "smtpd_milters =" \
    "biff = no"

  # Every service outside a chroot; SMTP only on our two loopback ports.
  postconf -c "$CONF" -F '*/*/chroot = n'
  postconf -c "$CONF" -MX smtp/inet
  postconf -c "$CONF" -M \
    "$CHECKED/inet = $CHECKED inet n - n - - smtpd -o smtpd_milters=inet:$MILTER" \
    "$QUEUED/inet = $QUEUED inet n - n - - smtpd -o content_filter=relay:[127.0.0.1]:25251"
}

start_postfix() {
  postfix -c "$CONF" check || { cat "$WORK/postfix.log" 2>/dev/null; exit 1; }
  postfix -c "$CONF" start || { cat "$WORK/postfix.log" 2>/dev/null; exit 1; }
  for _ in $(seq 50); do
    swaks --server "$CHECKED" --quit-after CONNECT >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  log "postfix did not start"; cat "$WORK/postfix.log" 2>/dev/null; exit 1
}

# send SERVER FROM_IP MESSAGE_FILE [swaks options...]: prints swaks' transcript.
send() {
  local server=$1 from_ip=$2 file=$3
  shift 3
  local base=${file##*/}
  swaks --server "$server" --local-interface "$from_ip" --helo "mail.${base#*.}" \
    --data - "$@" <"$file" 2>&1
}

# delivered MAILBOX MESSAGE_ID [SECONDS]: the file holding that message, once
# it has arrived.
delivered() {
  local box=$MAIL/$1/new id=$2 seconds=${3:-15}
  for _ in $(seq $((seconds * 5))); do
    local file
    file=$(grep -l "^Message-ID: <$id>" "$box"/* 2>/dev/null | head -n 1 || true)
    if [ -n "$file" ]; then
      printf '%s\n' "$file"
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# our_stamps FILE: the Authentication-Results fields with our authserv-id,
# each unfolded on one line.
our_stamps() {
  awk '/^[^ \t]/ { if (field) print field; field = $0; next }
       /^[ \t]/ { field = field $0 }
       /^$/ { if (field) print field; exit }' "$1" |
    grep -i "^Authentication-Results: *$AUTHSERV_ID;" || true
}

message() {
  local file=$1 from=$2 to=$3 id=$4 extra=${5:-}
  {
    [ -n "$extra" ] && printf '%s\r\n' "$extra"
    printf 'From: %s\r\nTo: %s\r\nSubject: test %s\r\n' "$from" "$to" "$id"
    printf 'Date: %s\r\nMessage-ID: <%s>\r\n\r\n' "$(date -R)" "$id"
    printf 'This is message %s.\r\n' "$id"
  } >"$file"
}

sign_as_sender() {
  "$ROOT/target/debug/examples/dkim" sign --key "$ROOT/crates/dkim/tests/data/test-only-rsa2048.pem" \
    --domain sender.example --selector rsa "$1" >"$1.signed"
  mv "$1.signed" "$1"
}

contains() { grep -q -- "$2" <<<"$1"; }

case_signed_message_passes() {
  local file=$WORK/pass.sender.example
  message "$file" alice@sender.example bob@receiver.example pass@sender.example
  sign_as_sender "$file"
  send "$CHECKED" 127.0.0.2 "$file" --from alice@sender.example --to bob@receiver.example \
    >"$WORK/pass.swaks"

  local box stamps
  box=$(delivered bob pass@sender.example) || { log "not delivered"; return 1; }
  stamps=$(our_stamps "$box")
  log "     $stamps"
  [ "$(wc -l <<<"$stamps")" -eq 1 ] &&
    contains "$stamps" "spf=pass" && contains "$stamps" "dkim=pass" &&
    contains "$stamps" "dmarc=pass" && contains "$stamps" "smtp.mailfrom=alice@sender.example" &&
    contains "$stamps" "header.d=sender.example" && contains "$stamps" "header.from=sender.example"
}

case_forged_stamp_is_replaced() {
  local file=$WORK/forged.sender.example
  message "$file" alice@sender.example bob@receiver.example forged@sender.example \
    "Authentication-Results: $AUTHSERV_ID; spf=pass smtp.mailfrom=ceo@receiver.example; dmarc=pass"
  sign_as_sender "$file"
  send "$CHECKED" 127.0.0.3 "$file" --from alice@sender.example --to bob@receiver.example \
    >"$WORK/forged.swaks"

  local box stamps
  box=$(delivered bob forged@sender.example) || { log "not delivered"; return 1; }
  stamps=$(our_stamps "$box")
  log "     $stamps"
  [ "$(wc -l <<<"$stamps")" -eq 1 ] && contains "$stamps" "spf=fail" &&
    ! grep -q "ceo@receiver.example" "$box"
}

case_dmarc_reject() {
  local file=$WORK/reject.sender.example transcript
  message "$file" alice@sender.example bob@receiver.example reject@sender.example
  transcript=$(send "$CHECKED" 127.0.0.3 "$file" --from alice@sender.example \
    --to bob@receiver.example || true)
  log "     $(grep -E '^<\*\* +5' <<<"$transcript" | head -n 1)"
  contains "$transcript" "550 5.7.1" && contains "$transcript" "DMARC policy of sender.example" &&
    ! delivered bob reject@sender.example 3 >/dev/null
}

case_milter_down_keeps_the_message() {
  local file=$WORK/queued.receiver.example transcript
  message "$file" dave@receiver.example bob@receiver.example queued@receiver.example
  stop_milter
  transcript=$(send "$QUEUED" 127.0.0.2 "$file" --from dave@receiver.example \
    --to bob@receiver.example || true)
  contains "$transcript" "250 2.0.0 Ok: queued" || { log "not accepted"; return 1; }

  if delivered bob queued@receiver.example 4 >/dev/null; then
    log "delivered although the milter was down"; return 1
  fi
  local queue
  queue=$(postqueue -c "$CONF" -p)
  log "     queued while the milter is down: $(grep -c '^[0-9A-F]' <<<"$queue") message(s)"
  contains "$queue" "bob@receiver.example" || { log "not in the queue"; return 1; }

  start_milter
  postqueue -c "$CONF" -f
  local box stamps
  box=$(delivered bob queued@receiver.example 30) || { log "not delivered after flush"; return 1; }
  stamps=$(our_stamps "$box")
  log "     after the flush: $stamps"
  [ "$(wc -l <<<"$stamps")" -eq 1 ] && contains "$stamps" "spf=pass"
}

case_milter_signs_outgoing_mail() {
  local file=$WORK/signed.receiver.example
  message "$file" bob@receiver.example carol@receiver.example signed@receiver.example
  send "$CHECKED" 127.0.0.2 "$file" --from bob@receiver.example --to carol@receiver.example \
    >"$WORK/signed.swaks"

  local box crlf
  box=$(delivered carol signed@receiver.example) || { log "not delivered"; return 1; }
  grep -q "^DKIM-Signature:.*d=receiver.example" <(tr -d '\r' <"$box" | awk '/^[^ \t]/{print}') ||
    { log "no signature"; return 1; }
  crlf=$WORK/signed.crlf
  sed 's/$/\r/' "$box" >"$crlf"

  local ours
  ours=$("$ROOT/target/debug/examples/dkim" verify --zone "$ZONE" --json "$crlf")
  log "     mailtrail: $(tr -d ' \n' <<<"$ours" | head -c 160)"
  contains "$ours" '"result": "pass"' || return 1
  python3 - "$crlf" "$ZONE" <<'PY'
import re, sys
import dkim

message = open(sys.argv[1], "rb").read()
zone = open(sys.argv[2]).read()
records = {}
for line in zone.splitlines():
    match = re.match(r'(\S+)\s+IN TXT\s+(.*)$', line)
    if match:
        strings = re.findall(r'"([^"]*)"', match.group(2))
        records[match.group(1).rstrip(".").lower()] = "".join(strings).encode()

def dnsfunc(name, timeout=5):
    return records.get(name.decode().rstrip(".").lower())

signatures = [d for d in re.findall(rb"^DKIM-Signature:", message, re.M)]
ok = dkim.verify(message, dnsfunc=dnsfunc)
print("     dkimpy: %s (%d signature(s))" % ("pass" if ok else "fail", len(signatures)))
sys.exit(0 if ok else 1)
PY
}

log "building the milter and dkim examples"
cargo build --quiet --example milter --example dkim
configure_postfix
start_milter
start_postfix

check "a signed message from an authorised IP: spf, dkim and dmarc pass" case_signed_message_passes
check "a forged Authentication-Results with our id is removed, ours added" case_forged_stamp_is_replaced
check "DMARC fail under p=reject: swaks sees the 5xx, nothing delivered" case_dmarc_reject
check "the milter stopped: tempfail, queued, delivered after the flush" case_milter_down_keeps_the_message
check "mail from our domain is signed, and verifies with mailtrail and dkimpy" case_milter_signs_outgoing_mail

log ""
log "milter log:"
sed 's/^/  /' "$WORK/milter.log"
log "$PASSES passed, $FAILURES failed"
[ "$FAILURES" -eq 0 ]
