# Store I/O (gRPC payload bytes, all members, sent + received) against N:
# per-N mean ± sd, fitted quadratic (solid) and cubic (dashed), per mode.
if (!exists("scriptdir")) scriptdir = 'scripts'
load scriptdir.'/geokv-plot-common.gp'
set title "Key-value store I/O against the number of agents\n{/*0.8 gRPC payload bytes summed over members; points: mean ± sd; solid: quadratic fit; dashed: cubic fit}"
set xlabel 'N (agents)'
set ylabel 'store I/O (kB)'
set key top left
set xrange [0:*]
set offsets 0, graph 0.04, graph 0.05, 0
set yrange [0:*]
plot for [m in modes] fitdir.'/grpc_bytes-'.m.'-curves.dat' u 1:($2/1000) w l lw 2.5 lc rgb colname(m) notitle, \
     for [m in modes] fitdir.'/grpc_bytes-'.m.'-curves.dat' u 1:($4/1000) w l lw 1.8 dt 2 lc rgb colname(m) notitle, \
     for [m in modes] fitdir.'/grpc_bytes-'.m.'.dat' u 1:($2/1000):($3/1000) w yerrorbars pt 7 ps 1.3 lw 1.5 lc rgb colname(m) title m
