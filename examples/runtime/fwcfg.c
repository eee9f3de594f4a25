/* fwcfg.c — QEMU's firmware configuration device, legacy I/O interface:
 * write a 16-bit key to the selector port, then read the item's bytes one
 * at a time from the data port. Numbers are little-endian. */
#include "runtime.h"

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511

void fwcfg_read(uint16_t key, void *buf, uint32_t len)
{
    uint8_t *p = buf;
    outw(FW_CFG_PORT_SEL, key);
    while (len--)
        *p++ = inb(FW_CFG_PORT_DATA);
}

bool fwcfg_present(void)
{
    char sig[4];
    fwcfg_read(FW_CFG_SIGNATURE, sig, sizeof sig);
    return memcmp(sig, "QEMU", 4) == 0;
}

unsigned fwcfg_nb_cpus(void)
{
    uint8_t n[2];
    if (!fwcfg_present())
        return 1;
    fwcfg_read(FW_CFG_NB_CPUS, n, sizeof n);
    return n[0] | n[1] << 8;
}
