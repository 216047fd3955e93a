/* board.h: the board port interface of the luasim firmware shim.
 *
 * Everything the shim needs from a board goes through these few functions, so a port is one
 * implementation file (plus its start-up code, linker script and FreeRTOSConfig.h) beside
 * port/qemu-virt/. The QEMU port drives FreeRTOS ticks from the scenario playback (virtual time,
 * see src/playback.c); an ESP-IDF port would keep the real tick interrupt and provide the same
 * output, exit and scenario-source functions. */
#ifndef LUASIM_BOARD_H
#define LUASIM_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Writes bytes to the console UART (the trace goes there). Blocking, polled. */
void board_write(const char *text, size_t len);

/* Ends the run: exit status 0 on success, non-zero on failure. Never returns. */
void board_exit(int code) __attribute__((noreturn));

/* Address of the packed scenario (docs/pack-format.md) placed in memory by the host. */
const uint8_t *board_scenario_blob(void);

/* Bytes available at board_scenario_blob(). */
size_t board_scenario_blob_capacity(void);

/* Resets the machine (a reboot): the firmware starts again from its reset vector; RAM is lost
 * except the retained region. Never returns. */
void board_reset(void) __attribute__((noreturn));

/* Memory that survives board_reset() but not a power cycle, like the ESP32's RTC_NOINIT
 * memory: zero at power-on. Sets *size to its length in bytes. */
void *board_retained(size_t *size);

/* Short board name, for error messages. */
const char *board_name(void);

#endif
