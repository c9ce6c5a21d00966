# Overlay of compared runs (geokv-model compare --report DIR): one metric
# against N, per run and mode the mean with its confidence interval as error
# bars. Colour = mode (as in every plot), dash and point shape = run. The
# patent's published points (results/reference) are one more run, in raw
# units (s, kB). Expects datadir, metric, series ('<run index>:<mode> ...'),
# runids (one word per run), ylabel, title, outbase, fmt, allmodes.
if (!exists("scriptdir")) scriptdir = 'scripts'
load scriptdir.'/geokv-plot-common.gp'
runof(s) = int(s[1:strstrt(s, ':') - 1])
modeof(s) = s[strstrt(s, ':') + 1:]
set title title."\n{/*0.8 points: mean of the green runs; error bars: its confidence interval; colour: mode; dashes and shape: run}"
set xlabel 'N (agents)'
set ylabel ylabel
set key top left noenhanced
set xrange [0:*]
set offsets 0, graph 0.04, graph 0.05, 0
set yrange [0:*]
plot for [s in series] datadir.'/'.metric.'-r'.runof(s).'-'.modeof(s).'.dat' u 1:2:3:4 \
     w yerrorlines lw 2 dt 1 + runof(s) pt 5 + 2 * runof(s) ps 1.3 lc rgb colname(modeof(s)) \
     title modeof(s).' ('.word(runids, runof(s) + 1).')'
