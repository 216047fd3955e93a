/* FreeRTOSConfig.h: FreeRTOS kernel configuration for the qemu-virt board port.
 *
 * Ticks are driven by the scenario playback in virtual time (src/playback.c), not by a timer
 * interrupt, so configTICK_RATE_HZ is nominal here: the kernel only counts ticks, and the shim
 * converts milliseconds to ticks itself with the tick rate from the packed scenario (the
 * simulator's rounding). That is what lets one firmware build serve every tick rate. */
#ifndef FREERTOS_CONFIG_H
#define FREERTOS_CONFIG_H

#include <stdint.h>

/* No MTIME-driven tick (see board.c: vPortSetupTimerInterrupt arms nothing). */
#define configMTIME_BASE_ADDRESS 0
#define configMTIMECMP_BASE_ADDRESS 0
#define configCPU_CLOCK_HZ 10000000u
#define configTICK_RATE_HZ 1000u

#define configUSE_PREEMPTION 1
#define configUSE_TIME_SLICING 0
#define configUSE_PORT_OPTIMISED_TASK_SELECTION 1
#define configMAX_PRIORITIES 6
#define configMINIMAL_STACK_SIZE 512
#define configTICK_TYPE_WIDTH_IN_BITS TICK_TYPE_WIDTH_32_BITS
#define configIDLE_SHOULD_YIELD 1
#define configUSE_TASK_NOTIFICATIONS 1
#define configUSE_MUTEXES 1
#define configUSE_RECURSIVE_MUTEXES 0
#define configUSE_COUNTING_SEMAPHORES 0
#define configQUEUE_REGISTRY_SIZE 0
#define configUSE_QUEUE_SETS 0
#define configUSE_NEWLIB_REENTRANT 0
#define configENABLE_BACKWARD_COMPATIBILITY 0
#define configNUM_THREAD_LOCAL_STORAGE_POINTERS 0
#define configMAX_TASK_NAME_LEN 12

/* Memory: everything dynamic, from heap_4. The Lua heap limit is enforced by the shim's Lua
 * allocator, not by the size of this heap. */
#define configSUPPORT_DYNAMIC_ALLOCATION 1
#define configSUPPORT_STATIC_ALLOCATION 0
#define configTOTAL_HEAP_SIZE (12u * 1024u * 1024u)
#define configAPPLICATION_ALLOCATED_HEAP 0

/* Hooks. */
#define configUSE_IDLE_HOOK 0
#define configUSE_TICK_HOOK 0
#define configCHECK_FOR_STACK_OVERFLOW 2
/* No malloc-failed hook: the Lua allocator expects NULL ("not enough memory"); every other
 * allocation is checked where it is made. */
#define configUSE_MALLOC_FAILED_HOOK 0
#define configUSE_DAEMON_TASK_STARTUP_HOOK 0

/* Software timers: the timer service task outranks the Lua task, as on the device. */
#define configUSE_TIMERS 1
#define configTIMER_TASK_PRIORITY 4
#define configTIMER_QUEUE_LENGTH 32
#define configTIMER_TASK_STACK_DEPTH 2048

/* Kernel hook used by the playback: the next tick at which a blocked task wakes. */
#define configINCLUDE_FREERTOS_TASK_C_ADDITIONS_H 1

/* picolibc thread-local storage per task (errno and friends). */
#define configUSE_PICOLIBC_TLS 1

#define INCLUDE_vTaskSuspend 1
#define INCLUDE_vTaskDelay 1
#define INCLUDE_vTaskDelete 0
#define INCLUDE_xTaskGetSchedulerState 1
#define INCLUDE_xTaskGetCurrentTaskHandle 1
#define INCLUDE_uxTaskGetStackHighWaterMark 1
#define INCLUDE_xTimerPendFunctionCall 0
#define INCLUDE_xTimerGetTimerDaemonTaskHandle 1

void shim_assert_failed(const char *file, int line);
#define configASSERT(x)                               \
    do {                                              \
        if (!(x)) shim_assert_failed(__FILE__, __LINE__); \
    } while (0)

#endif
