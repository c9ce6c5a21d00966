/* fuzz_prom.c: libFuzzer driver for fuzz_prom_entry (sim/fuzz/fuzz_entries.h,
 * where the checked properties are described). Built and run by `make fuzz`. */
#include "sim/fuzz/fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_prom_entry(data, size);
    return 0;
}
