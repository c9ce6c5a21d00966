#!/bin/sh
# bench-mpi-diff.sh: per cell (mode, N), the mean of a column over the
# repetitions of two sweeps' summary.csv, and how far the second is from the
# first (make bench-mpi: one rank against four), with each side's spread
# over its repetitions ((max - min) / mean): a difference smaller than the
# spread is noise, not the ranks.
#   scripts/bench-mpi-diff.sh ONE_DIR OTHER_DIR [column=setup_s] [goal_pct=5]
# Exit 0 when every cell is within the goal, 1 when one is not, 2 on bad input.
set -u
one=${1:?usage: bench-mpi-diff.sh ONE_DIR OTHER_DIR [column] [goal_pct]}
other=${2:?usage: bench-mpi-diff.sh ONE_DIR OTHER_DIR [column] [goal_pct]}
col=${3:-setup_s}
goal=${4:-5}
for d in "$one" "$other"; do
    [ -r "$d/summary.csv" ] || { echo "bench-mpi-diff: no $d/summary.csv" >&2; exit 2; }
done
awk -F, -v col="$col" -v goal="$goal" '
    FNR == 1 {
        file++
        c = 0
        for (i = 1; i <= NF; i++) {
            if ($i == "mode") m = i
            if ($i == "n") nn = i
            if ($i == col) c = i
        }
        if (!c) { print "bench-mpi-diff: no column " col > "/dev/stderr"; bad = 1; exit 2 }
        next
    }
    $c != "" {
        key = $m " " $nn
        sum[file, key] += $c; cnt[file, key]++
        if (!((file, key) in lo) || $c < lo[file, key]) lo[file, key] = $c
        if (!((file, key) in hi) || $c > hi[file, key]) hi[file, key] = $c
        if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
    }
    END {
        if (bad) exit 2
        printf "%-10s %5s %12s %12s %9s  %-9s %9s %9s\n", "mode", "n", col "(1)", col "(K)", "diff", "within " goal "%", \
               "spread(1)", "spread(K)"
        rc = 0
        for (k = 1; k <= nk; k++) {
            key = keys[k]; split(key, f, " ")
            if (!cnt[1, key] || !cnt[2, key]) { printf "%-10s %5s  missing in one sweep\n", f[1], f[2]; rc = 1; continue }
            a = sum[1, key] / cnt[1, key]; b = sum[2, key] / cnt[2, key]
            d = a != 0 ? 100 * (b - a) / a : 0
            ok = (d <= goal && d >= -goal)
            if (!ok) rc = 1
            s1 = a != 0 ? 100 * (hi[1, key] - lo[1, key]) / a : 0
            s2 = b != 0 ? 100 * (hi[2, key] - lo[2, key]) / b : 0
            printf "%-10s %5s %12.3f %12.3f %+8.1f%%  %-9s %8.1f%% %8.1f%%\n", f[1], f[2], a, b, d, ok ? "yes" : "NO", s1, s2
        }
        exit rc
    }' "$one/summary.csv" "$other/summary.csv"
