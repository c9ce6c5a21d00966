# geokv-plot-common.gp: terminal, output and colours shared by the plot
# scripts. Expects fitdir, outbase, fmt ('png' or 'svg'), modes (this run's)
# and allmodes (every mode known, in the registry's order) set with -e
# (geokv-model plots does that); synthetic=1 stamps the plot as synthetic.
# A mode's colour is its place in allmodes, so it keeps its colour whichever
# modes a run has; modes past the last colour are grey.
if (!exists("fmt")) fmt = 'png'
if (!exists("wide")) wide = 0
if (fmt eq 'svg') {
    set terminal svg size (wide ? 1500 : 1000), 650 dynamic enhanced font 'Sans,13' background rgb 'white'
} else {
    set terminal pngcairo size (wide ? 1800 : 1200), 780 enhanced font 'Sans,14' background rgb 'white'
}
set output outbase.'.'.fmt
if (!exists("allmodes")) allmodes = exists("modes") ? modes : ''
modecolours = '#d62728 #1f77b4 #2ca02c #9467bd #ff7f0e #8c564b #e377c2 #17becf'
modeidx(m) = sum [i=1:words(allmodes)] ((word(allmodes, i) eq m) ? i : 0)
colname(m) = (modeidx(m) >= 1 && modeidx(m) <= words(modecolours)) ? word(modecolours, modeidx(m)) : '#7f7f7f'
fexists(f) = int(system('test -s "'.f.'" && echo 1 || echo 0'))
set grid lc rgb '#dddddd' lw 1
set border lw 1.2
set key box opaque samplen 2.5 spacing 1.2
if (!exists("synthetic")) synthetic = 0
if (synthetic) {
    set label 99 'SYNTHETIC DATA (test generator): not measurements' at screen 0.01, screen 0.975 left font ',12' tc rgb '#cc0000'
}
