/* fuzz_opts.c: libFuzzer driver for fuzz_opts_entry (sim/fuzz/fuzz_entries_input.h,
 * where the checked properties are described). Built and run by `make fuzz`. */
#include "sim/fuzz/fuzz_entries_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_opts_entry(data, size);
    return 0;
}
