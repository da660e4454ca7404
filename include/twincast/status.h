/*
 * status.h - return codes shared by every module.  They double as the
 * CLI's exit statuses: 0 ok, 1 run-time failure, 2 bad usage or bad input.
 */
#ifndef TWINCAST_STATUS_H
#define TWINCAST_STATUS_H

typedef enum tc_status {
    TC_OK = 0,
    TC_ERR_RUNTIME = 1, /* I/O failure, out of memory, library error */
    TC_ERR_INPUT = 2    /* the user's input is wrong; the message says where */
} tc_status;

#endif
