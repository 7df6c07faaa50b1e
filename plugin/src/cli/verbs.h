/* CLI verbs: each takes argv starting at the verb's name and returns the
 * process exit status (or exits with IM_EXIT_USAGE on bad input). */
#ifndef IM_CLI_VERBS_H
#define IM_CLI_VERBS_H

int im_cmd_estimate(int argc, char **argv);
int im_cmd_train(int argc, char **argv);
int im_cmd_valid(int argc, char **argv);
int im_cmd_check(int argc, char **argv);
int im_cmd_width(int argc, char **argv);
int im_cmd_rank(int argc, char **argv);
int im_cmd_prune(int argc, char **argv);

#endif
