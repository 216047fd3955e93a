/* board.c: board port for `qemu-system-riscv32 -M virt` (an ESP32-C3-class RV32 core).
 *
 * Console on the virt machine's NS16550A UART, run exit through the sifive_test device, the
 * packed scenario at the fixed address where `-device loader,file=blob.bin,addr=0x81000000` puts
 * it, reboots as a machine reset (sifive_test) with 64 KB of RAM the image does not cover kept
 * across it, and the RISC-V trap glue FreeRTOS needs on this machine. There is deliberately no tick
 * interrupt: the scenario playback advances FreeRTOS ticks in virtual time (src/playback.c), so
 * vPortSetupTimerInterrupt() arms nothing. */
#include "board.h"

#include <picotls.h>
#include <stdio.h>

#include "FreeRTOS.h"
#include "task.h"

#define UART0_BASE 0x10000000u
#define UART_THR 0u
#define UART_LSR 5u
#define UART_LSR_THRE 0x20u
#define SIFIVE_TEST_BASE 0x00100000u
#define SIFIVE_TEST_PASS 0x5555u
#define SIFIVE_TEST_FAIL 0x3333u
#define SIFIVE_TEST_RESET 0x7777u
/* The last 64 KB below the blob: outside every segment QEMU reloads at reset (link.ld). */
#define RETAINED_ADDR 0x80FF0000u
#define RETAINED_SIZE (64u * 1024u)
#define SCENARIO_BLOB_ADDR 0x81000000u
#define SCENARIO_BLOB_CAPACITY (16u * 1024u * 1024u)

extern char __tls_base[];
int main(void);

void board_write(const char *text, size_t len)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART0_BASE;
    for (size_t i = 0; i < len; i++) {
        while ((uart[UART_LSR] & UART_LSR_THRE) == 0) {
        }
        uart[UART_THR] = (uint8_t)text[i];
    }
}

void board_exit(int code)
{
    volatile uint32_t *test = (volatile uint32_t *)SIFIVE_TEST_BASE;
    *test = code == 0 ? SIFIVE_TEST_PASS : (((uint32_t)code << 16) | SIFIVE_TEST_FAIL);
    for (;;) {
    }
}

void board_reset(void)
{
    volatile uint32_t *test = (volatile uint32_t *)SIFIVE_TEST_BASE;
    *test = SIFIVE_TEST_RESET; /* QEMU reloads the image and the blob and starts at _start */
    for (;;) {
    }
}

void *board_retained(size_t *size)
{
    *size = RETAINED_SIZE;
    return (void *)RETAINED_ADDR;
}

const uint8_t *board_scenario_blob(void)
{
    return (const uint8_t *)SCENARIO_BLOB_ADDR;
}

size_t board_scenario_blob_capacity(void)
{
    return SCENARIO_BLOB_CAPACITY;
}

const char *board_name(void)
{
    return "qemu-riscv32-virt";
}

/* Called from start.S with a stack, gp, mtvec and a zeroed .bss. */
void board_start(void)
{
    _init_tls(__tls_base);
    _set_tls(__tls_base);
    board_exit(main());
}

/* Virtual time: no periodic tick. Replaces the port's default (which needs an MTIME address). */
void vPortSetupTimerInterrupt(void)
{
}

static void report_trap(const char *what)
{
    uint32_t mcause, mepc, mtval;
    __asm volatile("csrr %0, mcause" : "=r"(mcause));
    __asm volatile("csrr %0, mepc" : "=r"(mepc));
    __asm volatile("csrr %0, mtval" : "=r"(mtval));
    char line[128];
    int n = snprintf(line, sizeof line, "\nFATAL %s: mcause=0x%08lx mepc=0x%08lx mtval=0x%08lx\n", what,
                     (unsigned long)mcause, (unsigned long)mepc, (unsigned long)mtval);
    board_write(line, (size_t)n);
    board_exit(4);
}

/* Without these overrides a crash loops silently inside portASM.S. */
void freertos_risc_v_application_exception_handler(void)
{
    report_trap("exception");
}

void freertos_risc_v_application_interrupt_handler(void)
{
    report_trap("unexpected interrupt");
}
