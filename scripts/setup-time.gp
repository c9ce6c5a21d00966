# Setup time against N: per-N mean ± sd of the repetitions (points, error
# bars), the fitted quadratic (line) and its 95% prediction band, one colour
# per mode; the patent's FIG. 7 points in seconds (open symbols, dashed)
# when <fitdir>/fig7-patent-raw.dat exists. Data: <fitdir>/setup_s-<mode>.dat
# and -curves.dat.
if (!exists("scriptdir")) scriptdir = 'scripts'
load scriptdir.'/geokv-plot-common.gp'
set title "Initial virtual-network setup time against the number of agents\n{/*0.8 points: mean ± sd of the repetitions; lines: least-squares quadratic; bands: its 95% prediction interval}"
set xlabel 'N (agents)'
set ylabel 'setup time (s)'
set key top left
set xrange [0:*]
set offsets 0, graph 0.04, graph 0.05, 0
set yrange [0:*]
# the patent's FIG. 7 points in seconds (open symbols), when fit/ has them
patent = fitdir.'/fig7-patent-raw.dat'
if (fexists(patent)) {
plot for [m in modes] fitdir.'/setup_s-'.m.'-curves.dat' u 1:6:7 w filledcurves fs transparent solid 0.12 noborder lc rgb colname(m) notitle, \
     for [m in modes] fitdir.'/setup_s-'.m.'-curves.dat' u 1:2 w l lw 2.5 lc rgb colname(m) notitle, \
     for [m in modes] fitdir.'/setup_s-'.m.'.dat' u 1:2:3 w yerrorbars pt 7 ps 1.3 lw 1.5 lc rgb colname(m) title m, \
     patent u 1:2 w lp pt 6 ps 1.6 lw 1.5 dt 2 lc rgb colname('before') title 'patent FIG. 7 before', \
     patent u 1:3 w lp pt 6 ps 1.6 lw 1.5 dt 2 lc rgb colname('after') title 'patent FIG. 7 after'
} else {
plot for [m in modes] fitdir.'/setup_s-'.m.'-curves.dat' u 1:6:7 w filledcurves fs transparent solid 0.12 noborder lc rgb colname(m) notitle, \
     for [m in modes] fitdir.'/setup_s-'.m.'-curves.dat' u 1:2 w l lw 2.5 lc rgb colname(m) notitle, \
     for [m in modes] fitdir.'/setup_s-'.m.'.dat' u 1:2:3 w yerrorbars pt 7 ps 1.3 lw 1.5 lc rgb colname(m) title m
}
