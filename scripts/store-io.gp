# Store I/O against N: per-N mean ± sd, fitted quadratic (solid) and cubic
# (dashed), per mode. Left (or alone): gRPC payload bytes summed over the
# members (sent + received). Right, when the run recorded it: app_bytes, the
# sizes the original logged and summed for FIG. 8 (Get responses' protobuf
# header + key-values, Put and Txn value lengths), up to the last rule change.
if (!exists("scriptdir")) scriptdir = 'scripts'
haveapp = exists("modes") && words(modes) > 0 ? \
          int(system('test -s "'.fitdir.'/app_bytes-'.word(modes, 1).'.dat" && echo 1 || echo 0')) : 0
wide = haveapp
load scriptdir.'/geokv-plot-common.gp'
set xlabel 'N (agents)'
set ylabel 'store I/O (kB)'
set key top left
set xrange [0:*]
set offsets 0, graph 0.04, graph 0.05, 0
set yrange [0:*]
if (haveapp) {
    set multiplot layout 1,2 title "Key-value store I/O against the number of agents\n{/*0.8 points: mean ± sd; solid: quadratic fit; dashed: cubic fit}" font ',16'
    set title "gRPC payload bytes summed over members"
} else {
    set title "Key-value store I/O against the number of agents\n{/*0.8 gRPC payload bytes summed over members; points: mean ± sd; solid: quadratic fit; dashed: cubic fit}"
}
plot for [m in modes] fitdir.'/grpc_bytes-'.m.'-curves.dat' u 1:($2/1000) w l lw 2.5 lc rgb colname(m) notitle, \
     for [m in modes] fitdir.'/grpc_bytes-'.m.'-curves.dat' u 1:($4/1000) w l lw 1.8 dt 2 lc rgb colname(m) notitle, \
     for [m in modes] fitdir.'/grpc_bytes-'.m.'.dat' u 1:($2/1000):($3/1000) w yerrorbars pt 7 ps 1.3 lw 1.5 lc rgb colname(m) title m
if (haveapp) {
    set title "as the original logged it (app\\_bytes, FIG. 8's count)"
    plot for [m in modes] fitdir.'/app_bytes-'.m.'-curves.dat' u 1:($2/1000) w l lw 2.5 lc rgb colname(m) notitle, \
         for [m in modes] fitdir.'/app_bytes-'.m.'-curves.dat' u 1:($4/1000) w l lw 1.8 dt 2 lc rgb colname(m) notitle, \
         for [m in modes] fitdir.'/app_bytes-'.m.'.dat' u 1:($2/1000):($3/1000) w yerrorbars pt 7 ps 1.3 lw 1.5 lc rgb colname(m) title m
    unset multiplot
}
