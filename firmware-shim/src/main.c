/* main.c: firmware entry: reads the packed scenario, creates the kernel objects and starts
 * FreeRTOS with the scenario playback task (src/playback.c), which boots the Lua task at the
 * profile's boot time. Fatal set-up errors print on the console and exit with status 3. */
#include "board.h"
#include "shim.h"

struct scenario g_scenario;

#define PLAYBACK_PRIORITY 1
#define PLAYBACK_STACK_WORDS 2048u

int main(void)
{
    const char *error = NULL;
    if (!pack_read(board_scenario_blob(), board_scenario_blob_capacity(), &g_scenario, &error)) {
        shim_fatal("%s: %s", board_name(), error);
    }
    rtos_init();
    if (xTaskCreate(playback_task, "playback", PLAYBACK_STACK_WORDS, NULL, PLAYBACK_PRIORITY, NULL) != pdPASS) {
        shim_fatal("cannot create the playback task");
    }
    vTaskStartScheduler();
    shim_fatal("the scheduler returned");
}
