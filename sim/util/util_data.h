/* util_data.h: where the programs find the files they ship with: topologies
 * (sim/wan/topology/), fidelity profiles (sim/cb/profiles/), gnuplot scripts
 * (the .gp files of scripts/) and the patent's numbers (results/reference/). Inside the
 * data root these keep their paths of the source tree, so one relative name
 * ("sim/wan/topology/patent-fig6.json") works in the tree and installed.
 *
 * The data root is the first of:
 *   1. $GEOKV_DATA;
 *   2. $GEOKV_ROOT (its older name, which make exports to the tests);
 *   3. the nearest ancestor D of the running program's own directory
 *      (/proc/self/exe) holding D/share/geokv-bench (installed:
 *      PREFIX/bin/prog -> PREFIX/share/geokv-bench) or being the source
 *      tree (D/sim/wan/topology: build/bin/prog -> the tree root).
 * Never the current directory: a program behaves the same wherever it is
 * started. Paths the user gives on the command line are not data names and
 * stay relative to the current directory. */
#ifndef GEOKV_UTIL_DATA_H
#define GEOKV_UTIL_DATA_H

#include <stddef.h>

/* The data root into buf (len bytes), which is returned. When none of the
 * above is found: the program's ../share/geokv-bench, so that a "cannot
 * open" names where the file was expected. */
const char *util_data_root(char *buf, size_t len);

/* rel as given when absolute, else "<data root>/rel"; into buf, returned. */
const char *util_data_path(char *buf, size_t len, const char *rel);

/* An option whose default is a data file: the user's path when given (as
 * util_rooted treats it: relative to the current directory), else the data
 * file name (util_data_path). Into buf, returned. */
const char *util_data_or_given(char *buf, size_t len, const char *given, const char *name);

#endif
