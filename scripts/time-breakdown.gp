# Where an agent's time goes, per mode: mean per agent of lock wait, fixed
# delays and the rest (network and etcd), stacked, for each N.
wide = 1
if (!exists("scriptdir")) scriptdir = 'scripts'
load scriptdir.'/geokv-plot-common.gp'
nm = words(modes)
ymax = 0
do for [m in modes] {
    stats fitdir.'/breakdown-'.m.'.dat' u ($2+$3+$4) nooutput
    if (STATS_max > ymax) { ymax = STATS_max }
}
set multiplot layout 1,nm title "Where an agent's time goes (mean per agent)" font ',16'
set style fill solid 0.85 border lc rgb '#555555'
set boxwidth 6
set xrange [0:*]
set yrange [0:ymax*1.15]
set xlabel 'N (agents)'
set ylabel 'seconds per agent'
set key top left
set xtics 10
do for [m in modes] {
    set title 'mode: '.m
    f = fitdir.'/breakdown-'.m.'.dat'
    plot f u 1:($2+$3+$4) w boxes lc rgb '#9ecae1' title 'network + etcd', \
         f u 1:($2+$3) w boxes lc rgb '#fdae6b' title 'fixed delays', \
         f u 1:2 w boxes lc rgb '#e6550d' title 'lock wait'
}
unset multiplot
