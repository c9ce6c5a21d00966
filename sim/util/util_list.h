/* util_list.h: checks for the comma-separated lists of the command lines. */
#ifndef GEOKV_UTIL_LIST_H
#define GEOKV_UTIL_LIST_H

#include <stdbool.h>

/* True when the list s (items separated by sep) has an empty item: sep at
 * either end or two in a row ("10,,20", ",10", "10,"). strtok skips those
 * silently, so every list option checks this first and refuses the list.
 * An empty s is one empty item. */
bool util_list_has_empty(const char *s, char sep);

#endif
