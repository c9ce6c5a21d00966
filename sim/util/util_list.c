/* util_list.c: see util_list.h. */
#include "sim/util/util_list.h"

#include <string.h>

bool util_list_has_empty(const char *s, char sep)
{
    char two[3] = { sep, sep, '\0' };
    size_t n = strlen(s);
    return n == 0 || s[0] == sep || s[n - 1] == sep || strstr(s, two) != NULL;
}
