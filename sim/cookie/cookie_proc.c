/* cookie_proc.c: memcached children through the child registry (see
 * cookie_proc.h). */
#include "sim/cookie/cookie_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/util/util_proc.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void do_init(void)
{
    util_proc_init();
    util_proc_install_signal_cleanup();
    signal(SIGPIPE, SIG_IGN);
}

void cookie_proc_init(void)
{
    pthread_once(&init_once, do_init);
}

/* Runs in the child between fork and exec. */
static void child_exec(char *const argv[], const char *log_path, pid_t parent)
{
    /* Die with the harness even if it is SIGKILLed; the parent check closes
     * the race where the parent died before PDEATHSIG was set. */
    if (util_proc_child_prepare(parent) != 0)
        _exit(127);
    int fd = open(log_path ? log_path : "/dev/null",
                  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0)
        dup2(nul, STDIN_FILENO);
    execv(argv[0], argv);
    _exit(127);
}

int cookie_proc_spawn(char *const argv[], const char *log_path, pid_t *pid,
                      char *err, size_t errlen)
{
    cookie_proc_init();
    if (access(argv[0], X_OK) != 0) {
        snprintf(err, errlen, "%s not executable (%s): run scripts/install-deps.sh",
                 argv[0], strerror(errno));
        return -1;
    }
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
        snprintf(err, errlen, "fork for %s failed: %s", argv[0], strerror(errno));
        return -1;
    }
    if (child == 0)
        child_exec(argv, log_path, parent);
    if (util_proc_register(child, UTIL_PROC_GROUP) != 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        snprintf(err, errlen, "too many child processes (max %d)", UTIL_PROC_MAX);
        return -1;
    }
    *pid = child;
    return 0;
}

int cookie_proc_signal(pid_t pid, int sig)
{
    if (pid <= 0)
        return -1;
    return util_proc_signal(pid, sig);
}

int cookie_proc_stop(pid_t pid, int grace_ms)
{
    if (pid <= 0 || util_proc_stop(pid, grace_ms > 0 ? grace_ms : 1) != 0)
        return -1;
    return cookie_proc_alive(pid) ? -1 : 0;
}

int cookie_proc_kill9(pid_t pid)
{
    if (pid <= 0 || util_proc_stop(pid, 0) != 0)
        return -1;
    return cookie_proc_alive(pid) ? -1 : 0;
}

int cookie_proc_alive(pid_t pid)
{
    return util_proc_alive(pid) ? 1 : 0;
}

int cookie_proc_count(void)
{
    return util_proc_count();
}
