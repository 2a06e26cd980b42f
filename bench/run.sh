#!/usr/bin/env bash
# Throughput and memory of mailconv beside cp, doveadm import and Python's
# mailbox module, on a generated workload (issue 7). Prints a table of
# seconds, MB/s, peak RSS and ratios; every figure of one table comes from
# the same run on the same machine. Each measurement is repeated RUNS times
# and the fastest is kept (the page cache is warm: the source is read once
# before).
#
#   bench/run.sh                          # 1 GiB workload, 2 runs
#   SIZE=256MiB RUNS=3 bench/run.sh
#   EUDORA=/path/to/eudora/store bench/run.sh   # Eudora -> maildir on that store
#                                         # (default: a generated store of
#                                         # EUDORA_SIZE, 512MiB; EUDORA=none skips)
#   WORK=/var/tmp/bench bench/run.sh      # where the files go (needs ~4x SIZE)
#   DURABLE=0 bench/run.sh                # skip the --durable runs (they fsync
#                                         # every message: slow on slow disks)
#
# Needs: go, GNU time (/usr/bin/time). Optional: doveadm (dovecot-core),
# python3. Runs "mailconv verify" after the fast conversions to show that
# nothing was lost.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-1GiB}
BIG=${BIG:-1000MiB}   # the single-message file for the RSS check
RUNS=${RUNS:-2}
DURABLE=${DURABLE:-1}
WORK=${WORK:-/tmp/mailconv-bench}
EUDORA=${EUDORA:-}
EUDORA_SIZE=${EUDORA_SIZE:-512MiB}
TIME=/usr/bin/time

[ -x "$TIME" ] || { echo "bench: GNU time (/usr/bin/time) is needed" >&2; exit 1; }
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
BIN=$WORK/bin
mkdir -p "$BIN"
go build -o "$BIN/mailconv" ./cmd/mailconv
go build -o "$BIN/gen" ./bench/gen

SRC=$WORK/src
mkdir -p "$SRC"
if [ ! -s "$SRC/workload.mbox" ] || [ "$(cat "$SRC/workload.size" 2>/dev/null)" != "$SIZE" ]; then
  "$BIN/gen" -workload -size "$SIZE" -o "$SRC/workload.mbox" | tee "$SRC/workload.txt"
  echo "$SIZE" >"$SRC/workload.size"
fi
if [ ! -s "$SRC/big.mbox" ] || [ "$(cat "$SRC/big.size" 2>/dev/null)" != "$BIG" ]; then
  "$BIN/gen" -size 1 -big "$BIG" -o "$SRC/big.mbox" | tee "$SRC/big.txt"
  echo "$BIG" >"$SRC/big.size"
fi
if [ ! -d "$SRC/maildir" ] || [ "$(cat "$SRC/maildir.size" 2>/dev/null)" != "$SIZE" ]; then
  rm -rf "$SRC/maildir"
  "$BIN/gen" -workload -format maildir -size "$SIZE" -o "$SRC/maildir" | tee "$SRC/maildir.txt"
  echo "$SIZE" >"$SRC/maildir.size"
fi
if [ -z "$EUDORA" ]; then
  if [ ! -d "$SRC/eudora" ] || [ "$(cat "$SRC/eudora.size" 2>/dev/null)" != "$EUDORA_SIZE" ]; then
    rm -rf "$SRC/eudora"
    "$BIN/gen" -format eudora -size "$EUDORA_SIZE" -o "$SRC/eudora" | tee "$SRC/eudora.txt"
    echo "$EUDORA_SIZE" >"$SRC/eudora.size"
  fi
  EUDORA=$SRC/eudora
fi
chmod -R a+rX "$SRC"
MBOX=$SRC/workload.mbox
BYTES=$(stat -c %s "$MBOX")
BIGBYTES=$(stat -c %s "$SRC/big.mbox")
MDBYTES=$(du -sb --apparent-size "$SRC/maildir" | cut -f1)
cat "$MBOX" "$SRC/big.mbox" >/dev/null # warm the page cache

OUT=$WORK/out
OUTM=$WORK/outm # mbox destinations: a file named like the source, for verify
RESULTS=$WORK/results.tsv
: >"$RESULTS"

# measure NAME BYTES CMD...: runs CMD RUNS times (OUT removed before each),
# keeps the fastest time and the largest peak RSS. The durable runs are
# made once.
measure() {
  local name=$1 bytes=$2
  shift 2
  local best="" rss=0 i
  for ((i = 0; i < RUNS; i++)); do
    rm -rf "$OUT" "$OUT".mailconv-journal "$OUTM"
    mkdir -p "$OUTM"
    sync
    if ! "$TIME" -f '%e %M' -o "$WORK/time.txt" "$@" >"$WORK/cmd.log" 2>&1; then
      echo "bench: $name failed:" >&2
      tail -20 "$WORK/cmd.log" >&2
      return 1
    fi
    read -r secs kb <"$WORK/time.txt"
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  printf '%s\t%s\t%s\t%s\n' "$name" "$bytes" "$best" "$rss" >>"$RESULTS"
  printf '  %-44s %8.2f s  %7.1f MiB\n' "$name" "$best" "$(awk "BEGIN{print $rss/1024}")" >&2
}

echo "bench: $(nproc) CPU, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg); workload $(cat "$SRC/workload.txt")" >&2

measure "cp" "$BYTES" cp "$MBOX" "$OUT"
measure "mailconv mbox->maildir" "$BYTES" "$BIN/mailconv" convert --quiet "mbox:$MBOX" "maildir:$OUT"
"$BIN/mailconv" verify "mbox:$MBOX" "maildir:$OUT" >"$WORK/verify-maildir.txt" 2>&1 ||
  { echo "bench: verify mbox->maildir FAILED" >&2; cat "$WORK/verify-maildir.txt" >&2; exit 1; }
if [ "$DURABLE" = 1 ]; then
  RUNS=1 measure "mailconv mbox->maildir --durable" "$BYTES" "$BIN/mailconv" convert --quiet --durable "mbox:$MBOX" "maildir:$OUT"
fi
measure "mailconv mbox->mbox" "$BYTES" "$BIN/mailconv" convert --quiet "mbox:$MBOX" "mbox:$OUTM/workload.mbox"
"$BIN/mailconv" verify "mbox:$MBOX" "mbox:$OUTM/workload.mbox" >"$WORK/verify-mbox.txt" 2>&1 ||
  { echo "bench: verify mbox->mbox FAILED" >&2; cat "$WORK/verify-mbox.txt" >&2; exit 1; }
if [ "$DURABLE" = 1 ]; then
  RUNS=1 measure "mailconv mbox->mbox --durable" "$BYTES" "$BIN/mailconv" convert --quiet --durable "mbox:$MBOX" "mbox:$OUTM/workload.mbox"
fi
measure "mailconv maildir->mbox" "$MDBYTES" "$BIN/mailconv" convert --quiet "maildir:$SRC/maildir" "mbox:$OUTM/tree/"
measure "mailconv mbox->maildir (one big message)" "$BIGBYTES" "$BIN/mailconv" convert --quiet "mbox:$SRC/big.mbox" "maildir:$OUT"
if [ "$EUDORA" != none ]; then
  EBYTES=$(du -sb --apparent-size "$EUDORA" | cut -f1)
  measure "mailconv eudora->maildir" "$EBYTES" "$BIN/mailconv" convert --quiet "eudora:$EUDORA" "maildir:$OUT"
fi

if command -v doveadm >/dev/null; then
  DV=$WORK/dovecot
  rm -rf "$DV"
  mkdir -p "$DV/run" "$DV/srcdir"
  ln -f "$MBOX" "$DV/srcdir/in.mbox" 2>/dev/null || cp "$MBOX" "$DV/srcdir/in.mbox"
  user=$(id -un)
  muid=$(id -u) mgid=$(id -g)
  if [ "$(id -u)" = 0 ]; then user=nobody muid=$(id -u nobody) mgid=$(id -g nobody); fi
  cat >"$DV/dovecot.conf" <<EOF
base_dir = $DV/run
mail_location = maildir:$OUT
mail_uid = $muid
mail_gid = $mgid
first_valid_uid = 1
first_valid_gid = 0
ssl = no
# like mailconv without --durable: no fsync (the issue's reference runs)
mail_fsync = never
EOF
  chmod -R a+rX "$DV"
  [ "$(id -u)" = 0 ] && chown -R "$user" "$DV/run"
  # doveadm creates OUT itself as the mail user: its parent must allow it
  chmod 1777 "$WORK"
  measure "doveadm import (mbox->maildir)" "$BYTES" env -i USER="$user" HOME="$DV" TZ=UTC PATH="$PATH" \
    doveadm -c "$DV/dovecot.conf" import "mbox:$DV/srcdir:INBOX=$DV/srcdir/in.mbox:INDEX=MEMORY" "" all
else
  echo "bench: doveadm not installed: skipped" >&2
fi

if command -v python3 >/dev/null && python3 -c 'import mailbox' 2>/dev/null; then
  cat >"$WORK/pymailbox.py" <<'EOF'
import mailbox, sys
src = mailbox.mbox(sys.argv[1], create=False)
dst = mailbox.Maildir(sys.argv[2], create=True)
for msg in src:
    dst.add(mailbox.MaildirMessage(msg))
EOF
  measure "python mailbox (mbox->maildir)" "$BYTES" python3 "$WORK/pymailbox.py" "$MBOX" "$OUT"
else
  echo "bench: python3 mailbox not available: skipped" >&2
fi
rm -rf "$OUT" "$OUT".mailconv-journal "$OUTM"

# The table.
awk -F'\t' -v cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" -v n="$(nproc)" '
  { name[NR]=$1; bytes[NR]=$2; secs[NR]=$3; rss[NR]=$4; if ($1=="cp") cp=$3; if ($1 ~ /^doveadm/) dv=$3 }
  END {
    printf "\n%s, %d CPU\n\n", cpu, n
    printf "| %-42s | %8s | %8s | %9s | %9s | %11s |\n", "command", "seconds", "MB/s", "peak RSS", "time / cp", "doveadm / it"
    printf "|%s|%s|%s|%s|%s|%s|\n", "---------------------------------------------", "---------:", "---------:", "----------:", "----------:", "-------------:"
    for (i = 1; i <= NR; i++) {
      if (secs[i] <= 0) secs[i] = 0.005 # below the resolution of time(1)
      mbs = bytes[i] / secs[i] / 1e6
      r = (cp > 0) ? sprintf("%.2f", secs[i] / cp) : "-"
      d = (dv > 0 && name[i] !~ /^doveadm|^cp$/) ? sprintf("%.2f", dv / secs[i]) : "-"
      printf "| %-42s | %8.2f | %8.0f | %6.1f MiB | %9s | %11s |\n", name[i], secs[i], mbs, rss[i] / 1024, r, d
    }
  }' "$RESULTS"
