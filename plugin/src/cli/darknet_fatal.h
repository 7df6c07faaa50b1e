/* Darknet's fatal errors (darknet_fatal.c): the network they are about. */
#ifndef IM_CLI_DARKNET_FATAL_H
#define IM_CLI_DARKNET_FATAL_H

/* The verb and the cfg a Darknet error of this process is about: its
 * message then reads "infomonitor <verb>: <cfg>: (Darknet) <message>".
 * Until called, "infomonitor (Darknet): <message>".  Both strings must
 * outlive the process's use of Darknet (argv's do). */
void im_cli_darknet_context(const char *verb, const char *cfg);

#endif
