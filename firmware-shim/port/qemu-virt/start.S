/* start.S: reset entry for the qemu-virt port (QEMU starts here in M-mode with -bios none).
 * Sets gp and the start-up stack (which FreeRTOS later uses as its interrupt stack), points
 * mtvec at the FreeRTOS trap handler, zeroes .bss and calls board_start(). The image is loaded
 * straight into RAM by QEMU, so there is no .data to copy. */
    .section .text.init.enter, "ax"
    .global _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __freertos_irq_stack_top
    csrw mie, zero
    la t0, freertos_risc_v_trap_handler
    csrw mtvec, t0
    la t0, __bss_start
    la t1, __bss_end
1:
    bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:
    call board_start
3:
    j 3b
