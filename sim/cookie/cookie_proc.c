#include "sim/cookie/cookie_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The registry is read from a signal handler, so it is a plain array of
 * sig_atomic_t-sized slots (pid_t is an int here) written under a mutex by
 * threads and only read by the handler. */
static volatile pid_t registry[COOKIE_PROC_MAX];
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void kill_registered(void)
{
    for (int i = 0; i < COOKIE_PROC_MAX; i++) {
        pid_t p = registry[i];
        if (p > 0)
            kill(p, SIGKILL);
    }
}

static void on_exit_hook(void)
{
    cookie_proc_stop_all();
}

static void on_fatal_signal(int sig)
{
    kill_registered();
    /* Reap them (waitpid is async-signal-safe), so they are gone, not
     * zombies, by the time our exit status is seen. */
    for (int i = 0; i < COOKIE_PROC_MAX; i++)
        if (registry[i] > 0)
            waitpid(registry[i], NULL, 0);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void do_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    atexit(on_exit_hook);
}

void cookie_proc_init(void)
{
    pthread_once(&init_once, do_init);
}

static int registry_add(pid_t pid)
{
    int rc = -1;
    pthread_mutex_lock(&registry_mu);
    for (int i = 0; i < COOKIE_PROC_MAX; i++) {
        if (registry[i] == 0) {
            registry[i] = pid;
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&registry_mu);
    return rc;
}

static int registry_has(pid_t pid)
{
    int found = 0;
    pthread_mutex_lock(&registry_mu);
    for (int i = 0; i < COOKIE_PROC_MAX; i++)
        if (registry[i] == pid)
            found = 1;
    pthread_mutex_unlock(&registry_mu);
    return found;
}

static void registry_del(pid_t pid)
{
    pthread_mutex_lock(&registry_mu);
    for (int i = 0; i < COOKIE_PROC_MAX; i++)
        if (registry[i] == pid)
            registry[i] = 0;
    pthread_mutex_unlock(&registry_mu);
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
    if (child == 0) {
        /* Die with the harness even if it is SIGKILLed; the getppid check
         * closes the race where the parent died before prctl ran. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
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
    if (registry_add(child) != 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        snprintf(err, errlen, "too many child processes (max %d)", COOKIE_PROC_MAX);
        return -1;
    }
    *pid = child;
    return 0;
}

int cookie_proc_signal(pid_t pid, int sig)
{
    if (pid <= 0 || !registry_has(pid))
        return -1;
    return kill(pid, sig);
}

static int reap(pid_t pid, int wait_ms)
{
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return 0;
        if (waited >= wait_ms)
            return -1;
        nanosleep(&ts, NULL);
    }
}

int cookie_proc_stop(pid_t pid, int grace_ms)
{
    if (pid <= 0 || !registry_has(pid))
        return -1;
    kill(pid, SIGCONT); /* a stopped (hung-fault) process cannot act on SIGTERM */
    kill(pid, SIGTERM);
    if (reap(pid, grace_ms) != 0) {
        kill(pid, SIGKILL);
        reap(pid, 5000);
    }
    registry_del(pid);
    return cookie_proc_alive(pid) ? -1 : 0;
}

int cookie_proc_kill9(pid_t pid)
{
    if (pid <= 0 || !registry_has(pid))
        return -1;
    kill(pid, SIGKILL);
    reap(pid, 5000);
    registry_del(pid);
    return cookie_proc_alive(pid) ? -1 : 0;
}

int cookie_proc_alive(pid_t pid)
{
    if (pid <= 0)
        return 0;
    return kill(pid, 0) == 0 || errno == EPERM;
}

void cookie_proc_stop_all(void)
{
    for (int i = 0; i < COOKIE_PROC_MAX; i++) {
        pid_t p = registry[i];
        if (p > 0) {
            kill(p, SIGKILL);
            reap(p, 2000);
            registry_del(p);
        }
    }
}

int cookie_proc_count(void)
{
    int n = 0;
    pthread_mutex_lock(&registry_mu);
    for (int i = 0; i < COOKIE_PROC_MAX; i++)
        n += registry[i] > 0;
    pthread_mutex_unlock(&registry_mu);
    return n;
}
