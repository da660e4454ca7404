/* cli_serve.c - `twincast serve` (placeholder until the Kafka source lands). */
#include <stdio.h>
#include "cli.h"
int tc_cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "twincast: serve is not built yet\n");
    return TC_ERR_RUNTIME;
}
