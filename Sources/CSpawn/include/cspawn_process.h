#ifndef SWIFTPM2_CSPAWN_PROCESS_H
#define SWIFTPM2_CSPAWN_PROCESS_H

/// Makes the calling process a child subreaper (PR_SET_CHILD_SUBREAPER): orphaned
/// descendants are re-parented to it instead of to init. In C because prctl is variadic,
/// which Swift cannot call. Returns 0, or -1 with errno set.
int pm2_set_child_subreaper(void);



/// POSIX_SPAWN_SETSID, a GNU extension that Swift's Glibc module does not export.
int pm2_posix_spawn_setsid_flag(void);
#endif
