# Per-agent completion time (rule_complete minus start, from timelines/) at
# one N, all repetitions pooled: empirical CDF per mode.
if (!exists("scriptdir")) scriptdir = 'scripts'
load scriptdir.'/geokv-plot-common.gp'
if (!exists("cdfn")) cdfn = 50
set title sprintf("Per-agent completion time at N = %d\n{/*0.8 time from an agent's start to its rules complete; all repetitions pooled}", cdfn)
set xlabel 'completion time since the agent started (s)'
set ylabel 'fraction of agents done'
set key bottom right
set yrange [0:1.02]
set xrange [0:*]
plot for [m in modes] fitdir.'/cdf-'.m.'.dat' u 1:2 w steps lw 2.5 lc rgb colname(m) title m
