#define _GNU_SOURCE
#include "cspawn_process.h"
#include <spawn.h>
#include <sys/prctl.h>

int pm2_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int pm2_posix_spawn_setsid_flag(void) {
    return POSIX_SPAWN_SETSID;
}
