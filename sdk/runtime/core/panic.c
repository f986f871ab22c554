/* Stopping the machine with a message: what every runtime file calls when it
 * cannot go on (see the exit codes in graft_runtime.h).
 *
 * Exports:
 *   graft_panic              "graft: <message>" on COM1, then stop with a code
 *   graft_not_implemented    "graft: <symbol> is not implemented", exit GRAFT_EXIT_UNIMPLEMENTED
 */
#include "graft_runtime.h"

void graft_panic(uint32_t code, const char *message) {
    serial_write("\ngraft: ");
    serial_write(message);
    serial_write("\n");
    debug_exit(code);
}

void graft_not_implemented(const char *symbol) {
    serial_write("\ngraft: ");
    serial_write(symbol);
    serial_write(" is not implemented\n");
    debug_exit(GRAFT_EXIT_UNIMPLEMENTED);
}
