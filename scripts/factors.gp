# factors.gp: the factor study's plot (geokv-model factors). One cluster of
# bars per cell, sorted by the cell's mean change: the after-vs-before change
# of setup time at each N, a diamond for the mean over N, the zero line
# (below it the cache helps, as in the patent) and the patent's FIG. 7 mean.
# Expects datafile (factors-plot.dat: index, "label", the change at each N,
# the mean), outbase, fmt, ns (the N values, space-separated), patent (the
# patent's mean change in percent, NaN when unknown) and design (a subtitle)
# set with -e.
wide = 1
if (!exists("scriptdir")) scriptdir = 'scripts'
load scriptdir.'/geokv-plot-common.gp'
# taller than the common size: the cells' labels are long and slanted
if (fmt eq 'png') {
    set terminal pngcairo size 1800, 1000 enhanced font 'Sans,14' background rgb 'white'
    set output outbase.'.'.fmt
}
if (!exists("design")) design = ''
nn = words(ns)
ncol = 3 + nn   # the mean's column
stats datafile u 0 nooutput
ncells = STATS_records
stats datafile u (column(ncol)) nooutput
lo = STATS_min
hi = STATS_max
do for [j=1:nn] {
    stats datafile u (column(2 + j)) nooutput
    if (STATS_min < lo) { lo = STATS_min }
    if (STATS_max > hi) { hi = STATS_max }
}
if (patent == patent && patent < lo) { lo = patent }
if (hi < 0) { hi = 0 }
if (lo > 0) { lo = 0 }
pad = (hi - lo) * 0.12 + 2

set title sprintf("After against before: change of setup time per cell\n{/*0.8 %s}", design) font ',16'
set ylabel 'setup time, after vs before (%)'
set xlabel 'cell (sorted by the mean change over N; below 0 the cache makes setup faster)' offset 0, 2
set yrange [lo - pad : hi + pad]
set xrange [-0.6 : ncells - 0.4]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border lc rgb '#555555'
set boxwidth 0.9
set xtics rotate by 30 right nomirror font ',11'
set bmargin 14
set lmargin 24
set rmargin 6
set key top left
set grid ytics
set grid noxtics
set xzeroaxis lt -1 lw 2
ncolours = '#1f77b4 #ff7f0e #2ca02c #9467bd #8c564b #17becf'
if (patent == patent) {
    set arrow 1 from graph 0, first patent to graph 1, first patent nohead dt 2 lw 2 lc rgb '#d62728' front
    set label 1 sprintf("patent FIG. 7 mean %+.1f%%", patent) at graph 0.99, first patent offset 0, -0.9 right tc rgb '#d62728' front
}
plot for [j=1:nn] datafile u (column(2 + j)):xtic(2) title 'N = '.word(ns, j) lc rgb word(ncolours, (j - 1) % 6 + 1), \
     datafile u 1:(column(ncol)) with points pt 13 ps 2.2 lc rgb '#000000' title 'mean over N'
