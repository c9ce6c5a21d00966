# cookie-hitratio.gp: hit ratio over time for the cookie scenario, one panel
# per experiment, one line per strategy, events marked.
# Called by `geokv-cookie bench` as
#   gnuplot -e "dir='results/cookie-...'; fmt='png'; ev1=2.5; ev2=4.75; nserv=3; dur=7; loss=0.5" scripts/cookie-hitratio.gp
# and reads dir/timeline/<experiment>-<strategy>.csv (t_s,...,hit_ratio in column 6).
if (!exists("dir")) dir = "results/cookie-latest"
if (!exists("fmt")) fmt = "png"
if (!exists("ev1")) ev1 = 3
if (!exists("ev2")) ev2 = 5.5
if (!exists("nserv")) nserv = 3
if (!exists("dur")) dur = 7
if (!exists("loss")) loss = 0.5

if (fmt eq "svg") {
    set terminal svg size 1200,800 dynamic font "sans,12"
    set output dir."/plots/cookie-hitratio.svg"
} else {
    set terminal pngcairo size 1200,800 font "sans,11"
    set output dir."/plots/cookie-hitratio.png"
}
set datafile separator ","
set key bottom left box opaque
set grid ytics
set yrange [0:1.05]
set xrange [0:dur]
set ylabel "hit ratio"
set xlabel "time since start (s)"
have(f) = system("test -f '".f."' && echo 1 || echo 0") eq "1"
tl(e, s) = dir."/timeline/".e."-".s.".csv"
strategies = "cookie modulo ketama"
colour(i) = i == 1 ? "#1b9e77" : (i == 2 ? "#d95f02" : "#7570b3")
# cookie thick, the others thinner, each with its own point shape, so the
# short dips (one or two 0.1 s buckets) and overlapping lines stay visible
width(i) = i == 1 ? 3 : 1.5
ptype(i) = i == 1 ? 7 : (i == 2 ? 5 : 9)

set multiplot layout 2,2 title sprintf("Cookie-pinned placement vs hash %% N vs ketama: hit ratio per time bucket (N = %d cache servers)", nserv)

array exps[4] = ["kill", "hang", "scaleout", "cookieloss"]
array titles[4] = ["kill -9 one cache server", "cache server hangs (SIGSTOP, timeout)", sprintf("scale-out %d -> %d servers", nserv, nserv + 1), sprintf("scale-out, then %.0f%% of clients lose cookies", 100 * loss)]
array labels1[4] = ["kill -9", "hang", "scale-out", "scale-out"]

do for [k = 1:4] {
    e = exps[k]
    set title titles[k]
    unset arrow
    unset label
    set arrow 1 from ev1, graph 0 to ev1, graph 1 nohead dashtype 2 linecolor "black"
    set label 1 labels1[k] at ev1, graph 0.3 offset 0.5, 0 font ",10"
    if (e eq "cookieloss") {
        set arrow 2 from ev2, graph 0 to ev2, graph 1 nohead dashtype 2 linecolor "red"
        set label 2 "cookies lost" at ev2, graph 0.2 offset 0.5, 0 textcolor "red" font ",10"
    }
    if (have(tl(e, "cookie")) || have(tl(e, "modulo")) || have(tl(e, "ketama"))) {
        plot for [i = 1:3] (have(tl(e, word(strategies, i))) ? tl(e, word(strategies, i)) : "/dev/null") \
             using 1:6 skip 1 with linespoints linewidth width(i) pointtype ptype(i) pointsize 0.7 \
             linecolor rgb colour(i) title word(strategies, i)
    } else {
        set label 3 "not run" at graph 0.6, graph 0.8
        unset key
        plot NaN notitle
        set key bottom left box opaque
    }
}
unset multiplot
