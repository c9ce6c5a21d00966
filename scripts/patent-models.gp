# The patent's FIG. 9 (setup time) and FIG. 10 (store I/O) models beside
# ours, on normalised axes (the normalisation `geokv-model fit-patent` found
# to reproduce the patent's models best). Open symbols and dashed lines: the
# patent's published points and models; filled symbols and solid lines: this
# run's per-N means and our least-squares fit of the same form.
wide = 1
if (!exists("scriptdir")) scriptdir = 'scripts'
load scriptdir.'/geokv-plot-common.gp'
set multiplot layout 1,2 title "The patent's models (dashed) beside this run's (solid), normalised axes" font ',16'
set key top left
set xrange [0:1.05]
set yrange [-0.05:1.15]
do for [fig in '9 10'] {
    base = fitdir.'/fig'.fig
    if (fig eq '9') {
        set title "FIG. 9: setup time, f(x) = a x^2 + b x + c"
        set ylabel 'normalised setup time'
    } else {
        set title "FIG. 10: store I/O, f(x) = a x^2 + b x"
        set ylabel 'normalised store I/O'
    }
    set xlabel 'normalised N'
    if (fexists(base.'-norm.txt')) {
        set label 2 system('cat "'.base.'-norm.txt"') at graph 0.98, graph 0.04 right font ',11' tc rgb '#444444'
    }
    if (fexists(base.'-curves.dat')) {
        plot base.'-curves.dat' u 1:2 w l lw 2 dt 2 lc rgb colname('before') title 'patent before', \
             base.'-curves.dat' u 1:3 w l lw 2 dt 2 lc rgb colname('after') title 'patent after', \
             base.'-patent-points.dat' u 1:2 w p pt 6 ps 1.6 lw 1.5 lc rgb colname('before') title 'patent points', \
             base.'-patent-points.dat' u 1:3 w p pt 6 ps 1.6 lw 1.5 lc rgb colname('after') notitle, \
             base.'-curves.dat' u 1:4 w l lw 2.5 lc rgb colname('before') title 'this run before', \
             base.'-curves.dat' u 1:5 w l lw 2.5 lc rgb colname('after') title 'this run after', \
             base.'-ours-points.dat' index 0 u 1:2 w p pt 7 ps 1.3 lc rgb colname('before') title 'this run, per-N means', \
             base.'-ours-points.dat' index 1 u 1:2 w p pt 7 ps 1.3 lc rgb colname('after') notitle
        unset label 2
    } else {
        unset key
        set label 1 'not available for this run' at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
        set key top left
    }
}
unset multiplot
