/* trace.c: prints trace events on the UART in exactly the simulator's text form.
 *
 * sim/core/src/trace.rs formats every event as `format!("{:>14} {:>10} ", secs, tick)` followed by
 * the kind padded to eight columns and its details, and passes free text (log lines, error
 * messages) through one_line(): \n \t \r become backslash escapes, other control characters
 * `\u{..}`, invalid UTF-8 one U+FFFD per maximal invalid subsequence (Rust's
 * String::from_utf8_lossy). The time printed is the virtual time of the instant being processed
 * (the playback's clock), the tick is the kernel's own tick count. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "shim.h"

/* Keeps one line together when several tasks print. */
static void lock(void)
{
    if (xTaskGetSchedulerState() == taskSCHEDULER_RUNNING) {
        vTaskSuspendAll();
    }
}

static void unlock(void)
{
    if (xTaskGetSchedulerState() == taskSCHEDULER_SUSPENDED) {
        (void)xTaskResumeAll();
    }
}

static void put(const char *s, size_t n)
{
    board_write(s, n);
}

static void put_prefix(const char *kind)
{
    uint64_t us = playback_now_us();
    char secs[32];
    snprintf(secs, sizeof secs, "%llu.%06llu", (unsigned long long)(us / 1000000u),
             (unsigned long long)(us % 1000000u));
    char head[64];
    int n = snprintf(head, sizeof head, "%14s %10lu %-8s ", secs, (unsigned long)playback_trace_tick(), kind);
    put(head, (size_t)n);
}

void trace_line(const char *kind, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0) {
        n = 0;
    }
    if ((size_t)n >= sizeof text) {
        n = sizeof text - 1;
    }
    lock();
    put_prefix(kind);
    put(text, (size_t)n);
    put("\n", 1);
    unlock();
}

/* Length of the valid UTF-8 sequence at s[0..len), or 0 when invalid; on 0, *bad is the
 * length of the maximal invalid subpart to replace by one U+FFFD. */
static size_t utf8_seq(const uint8_t *s, size_t len, size_t *bad, uint32_t *cp)
{
    uint8_t b = s[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        *cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        *cp = b & 0x0F;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        *cp = b & 0x07;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i <= need; i++) {
        uint8_t c = i < len ? s[i] : 0;
        uint8_t l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (i >= len || c < l || c > h) {
            *bad = i;
            return 0;
        }
        *cp = (*cp << 6) | (c & 0x3F);
    }
    return need + 1;
}

static void put_one_line(const char *text, size_t len)
{
    const uint8_t *s = (const uint8_t *)text;
    size_t i = 0, run = 0; /* bytes [i - run, i) are pending plain output */
    while (i < len) {
        size_t bad = 0;
        uint32_t cp = 0;
        size_t n = utf8_seq(s + i, len - i, &bad, &cp);
        const char *rep = NULL;
        char esc[16];
        if (n == 0) {
            rep = "\xEF\xBF\xBD";
            n = bad;
        } else if (cp == '\n') {
            rep = "\\n";
        } else if (cp == '\t') {
            rep = "\\t";
        } else if (cp == '\r') {
            rep = "\\r";
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            snprintf(esc, sizeof esc, "\\u{%lx}", (unsigned long)cp);
            rep = esc;
        }
        if (rep) {
            put(text + i - run, run);
            run = 0;
            put(rep, strlen(rep));
            i += n;
        } else {
            i += n;
            run += n;
        }
    }
    put(text + i - run, run);
}

void trace_line_escaped(const char *kind, const char *prefix, const char *text, size_t len, const char *suffix)
{
    lock();
    put_prefix(kind);
    if (prefix) {
        put_one_line(prefix, strlen(prefix));
    }
    put_one_line(text, len);
    if (suffix) {
        put(suffix, strlen(suffix));
    }
    put("\n", 1);
    unlock();
}

void trace_begin(const char *kind)
{
    lock();
    put_prefix(kind);
}

void trace_text(const char *text, size_t len)
{
    put_one_line(text, len);
}

void trace_raw(const char *text)
{
    put(text, strlen(text));
}

void trace_end(void)
{
    put("\n", 1);
    unlock();
}

void shim_fatal(const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof text) n = sizeof text - 1;
    taskDISABLE_INTERRUPTS();
    board_write("\nFATAL ", 7);
    board_write(text, (size_t)n);
    board_write("\n", 1);
    board_exit(3);
}
