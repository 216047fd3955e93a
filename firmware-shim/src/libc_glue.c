/* libc_glue.c: what picolibc needs from the firmware, and nothing more.
 *
 * stdout/stderr go to the board's UART; stdin is empty. The POSIX calls Lua's libraries and
 * picolibc still reference (open/close/read/write/lseek/fstat/times/getpid/kill/_exit/unlink/rename) are
 * stubs; time() and clock() return 0 so nothing in Lua reads a real clock (os.time/os.clock are
 * replaced by the virtual clock). malloc and friends are routed to the FreeRTOS heap
 * (heap_4) with a small size header so realloc works. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <time.h>

#include "board.h"
#include "shim.h"

static int uart_put(char c, FILE *f)
{
    (void)f;
    board_write(&c, 1);
    return (unsigned char)c;
}

static int no_get(FILE *f)
{
    (void)f;
    return EOF;
}

static FILE console = FDEV_SETUP_STREAM(uart_put, no_get, NULL, _FDEV_SETUP_RW);
FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;

int open(const char *path, int flags, ...)
{
    (void)path;
    (void)flags;
    errno = ENOENT;
    return -1;
}

int close(int fd)
{
    (void)fd;
    return -1;
}

ssize_t read(int fd, void *buf, size_t n)
{
    (void)fd;
    (void)buf;
    (void)n;
    return 0;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    (void)fd;
    board_write(buf, n);
    return (ssize_t)n;
}

off_t lseek(int fd, off_t offset, int whence)
{
    (void)fd;
    (void)offset;
    (void)whence;
    return -1;
}

int fstat(int fd, struct stat *st)
{
    (void)fd;
    memset(st, 0, sizeof *st);
    return -1;
}

clock_t times(struct tms *t)
{
    memset(t, 0, sizeof *t);
    return 0;
}

time_t time(time_t *t)
{
    if (t) *t = 0;
    return 0;
}

clock_t clock(void)
{
    return 0;
}

int getpid(void)
{
    return 1;
}

int kill(int pid, int sig)
{
    (void)pid;
    (void)sig;
    errno = EINVAL;
    return -1;
}

void _exit(int code)
{
    board_exit(code);
}

int unlink(const char *path)
{
    (void)path;
    return -1;
}

int rename(const char *from, const char *to)
{
    (void)from;
    (void)to;
    errno = ENOENT;
    return -1;
}

/* ---- malloc over the FreeRTOS heap ------------------------------------------------------- */

#define HEADER 16u /* keeps portBYTE_ALIGNMENT (16) */

void *malloc(size_t n)
{
    uint8_t *p = pvPortMalloc(n + HEADER);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(p, &n, sizeof n);
    return p + HEADER;
}

void free(void *ptr)
{
    if (ptr) {
        vPortFree((uint8_t *)ptr - HEADER);
    }
}

void *calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) {
        return NULL;
    }
    void *p = malloc(count * size);
    if (p) {
        memset(p, 0, count * size);
    }
    return p;
}

void *realloc(void *ptr, size_t n)
{
    if (!ptr) {
        return malloc(n);
    }
    if (n == 0) {
        free(ptr);
        return NULL;
    }
    size_t old;
    memcpy(&old, (uint8_t *)ptr - HEADER, sizeof old);
    void *fresh = malloc(n);
    if (fresh) {
        memcpy(fresh, ptr, old < n ? old : n);
        free(ptr);
    }
    return fresh;
}

/* ---- FreeRTOS hooks ------------------------------------------------------------------------ */

void shim_assert_failed(const char *file, int line)
{
    shim_fatal("assertion failed at %s:%d", file, line);
}

void vApplicationStackOverflowHook(TaskHandle_t task, char *name)
{
    (void)task;
    shim_fatal("stack overflow in task %s", name);
}
