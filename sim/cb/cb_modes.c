/* cb_modes.c: the registry of modes. Every list of modes in sim/cb and bench
 * (option parsing, --help, error messages, the default sweep) is derived
 * from CB_MODES, in its order; geokv-model and the plot scripts learn the
 * modes from the data and from config.json's "mode_order", which
 * geokv-bench writes from this registry.
 *
 * Adding a mode: write sim/cb/cb_mode_NAME.c defining
 *     const cb_mode_ops cb_mode_NAME = { ... };
 * and add one X line below. NAME is a C identifier without '-' (timeline
 * files are named <mode>-n<N>-r<rep>.jsonl and read back on the first '-'). */
#include "sim/cb/cb_internal.h"

#include <stdio.h>
#include <string.h>

/* X(name, one-line description), in display order. */
#define CB_MODES(X)                                                                                        \
    X(before, "control group: the controller builds every rule; agents watch only their own keys")      \
    X(after, "the patent's: agents cache every peer (read under the peer lock) and build their rules")  \
    X(lockless, "ours: the after cache, read at one revision and watched from the next, without the lock")

#define CB_MODE_EXTERN(name, description) extern const cb_mode_ops cb_mode_##name;
CB_MODES(CB_MODE_EXTERN)

typedef struct cb_mode_entry {
    const char *name;
    const cb_mode_ops *ops;
    const char *description;
} cb_mode_entry;

#define CB_MODE_ENTRY(name, description) {#name, &cb_mode_##name, description},
static const cb_mode_entry registry[] = {CB_MODES(CB_MODE_ENTRY)};
#define CB_MODE_NAME(name, description) #name,
static const char *const names[] = {CB_MODES(CB_MODE_NAME) NULL};

#define N_MODES (sizeof registry / sizeof registry[0])

const cb_mode_ops *cb_mode_find(const char *name)
{
    for (size_t i = 0; name && i < N_MODES; i++)
        if (strcmp(registry[i].name, name) == 0)
            return registry[i].ops;
    return NULL;
}

const char *const *cb_mode_names(void)
{
    return names;
}

const char *cb_mode_description(const char *name)
{
    for (size_t i = 0; name && i < N_MODES; i++)
        if (strcmp(registry[i].name, name) == 0)
            return registry[i].description;
    return NULL;
}

void cb_mode_join(char *out, size_t len, const char *sep)
{
    size_t used = 0;
    if (len == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < N_MODES && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? sep : "", registry[i].name);
}
