/* freertos_tasks_c_additions.h: three small kernel hooks the scenario playback needs, compiled
 * inside FreeRTOS's tasks.c (configINCLUDE_FREERTOS_TASK_C_ADDITIONS_H) so they can read the
 * kernel's private tick count and delayed-task lists. No kernel source is modified.
 *
 * - shim_ticks_until_next_wake(): ticks until the first blocked task (timer service, Lua task)
 *   wakes, looking into the overflow list when the next wake lies beyond the 32-bit wrap;
 * - shim_set_tick_count(): configINITIAL_TICK_COUNT at run time (the scenario's start_tick),
 *   set once the scheduler runs (vTaskStartScheduler resets the count);
 * - shim_jump_ticks(): moves the tick count forward over ticks at which nothing wakes, like
 *   vTaskStepTick() after a tickless sleep, so idle virtual time costs nothing. */
#include <stdint.h>

uint64_t shim_ticks_until_next_wake(void)
{
    uint64_t ticks = UINT64_MAX;
    taskENTER_CRITICAL();
    {
        const TickType_t now = xTickCount;
        if (listLIST_IS_EMPTY(pxDelayedTaskList) == pdFALSE) {
            ticks = (TickType_t)(listGET_ITEM_VALUE_OF_HEAD_ENTRY(pxDelayedTaskList) - now);
        } else if (listLIST_IS_EMPTY(pxOverflowDelayedTaskList) == pdFALSE) {
            ticks = ((uint64_t)1 << 32) - now + listGET_ITEM_VALUE_OF_HEAD_ENTRY(pxOverflowDelayedTaskList);
        }
    }
    taskEXIT_CRITICAL();
    return ticks;
}

void shim_set_tick_count(TickType_t ticks)
{
    /* vTaskStartScheduler() resets the count, so this runs in the first task, before any
     * task blocks with a timeout. */
    taskENTER_CRITICAL();
    {
        configASSERT(listLIST_IS_EMPTY(pxDelayedTaskList) != pdFALSE);
        configASSERT(listLIST_IS_EMPTY(pxOverflowDelayedTaskList) != pdFALSE);
        xTickCount = ticks;
        xNextTaskUnblockTime = portMAX_DELAY;
    }
    taskEXIT_CRITICAL();
}

void shim_jump_ticks(TickType_t ticks)
{
    taskENTER_CRITICAL();
    {
        /* Never across the wrap (that needs a real increment to switch the delayed lists) and
         * never onto a tick at which a task wakes. */
        configASSERT(ticks <= (TickType_t)(portMAX_DELAY - xTickCount));
        configASSERT(xTickCount + ticks < xNextTaskUnblockTime);
        xTickCount += ticks;
    }
    taskEXIT_CRITICAL();
}
