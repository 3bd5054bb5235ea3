/* SPDX-License-Identifier: MIT */
/*
 * timeline.c - where a short run's wall time goes: before main(), in it,
 * and after it. bench/bench.py builds it twice.
 *
 *   timeline ROUNDS OUT PRELOAD -- CMD... [::: CMD...]...
 *       Runs the commands in turn, ROUNDS times (one of each per round, so
 *       each starts after the same kind of work), each with PRELOAD in
 *       LD_PRELOAD. Writes a line per run to OUT:
 *         INDEX SPAWN MAIN END REAPED
 *       INDEX is the command's (0, 1, ...); the times are CLOCK_MONOTONIC ms:
 *       posix_spawn called, main() entered, main() returned, waitpid
 *       returned (the process gone). MAIN and END are -1 when the program
 *       did not return from main(). The commands' stdout goes to OUT.stdout.
 *   cc -DTIMELINE_PRELOAD -shared -fPIC: the PRELOAD. It wraps main()
 *       (through __libc_start_main) and writes "PID MAIN END" to the file
 *       named by $TIMELINE_OUT when main() returns.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

#ifdef TIMELINE_PRELOAD
#include <dlfcn.h>

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *);
static main_fn real_main;

static int timed_main(int argc, char **argv, char **envp) {
    double t_main = now_ms();
    int rc = real_main(argc, argv, envp);
    double t_end = now_ms();
    const char *path = getenv("TIMELINE_OUT");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fprintf(f, "%ld %.3f %.3f\n", (long)getpid(), t_main, t_end);
        fclose(f);
    }
    return rc;
}

int __libc_start_main(main_fn m, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack) {
    start_fn real = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    real_main = m;
    return real(timed_main, argc, argv, init, fini, rtld_fini, stack);
}

#else
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 6 || strcmp(argv[4], "--") != 0) {
        fputs("usage: timeline ROUNDS OUT PRELOAD -- CMD... [::: CMD...]...\n", stderr);
        return 2;
    }
    int rounds = atoi(argv[1]);
    if (rounds < 1) {
        fprintf(stderr, "timeline: ROUNDS %s: not a positive count\n", argv[1]);
        return 2;
    }
    char mains[4096];
    snprintf(mains, sizeof mains, "%s.mains", argv[2]);
    unlink(mains);
    if (setenv("TIMELINE_OUT", mains, 1) != 0 || setenv("LD_PRELOAD", argv[3], 1) != 0) return 1;
    /* The commands: argv[5...] split at ":::" (each made a NULL-ended argv). */
    char **cmd[64];
    int ncmd = 0;
    cmd[ncmd++] = &argv[5];
    for (int i = 5; i < argc; i++)
        if (strcmp(argv[i], ":::") == 0) {
            if (ncmd == 64) {
                fputs("timeline: more than 64 commands\n", stderr);
                return 2;
            }
            argv[i] = NULL;
            cmd[ncmd++] = &argv[i + 1];
        }
    for (int k = 0; k < ncmd; k++)
        if (!cmd[k][0] || strcmp(cmd[k][0], ":::") == 0) {
            fputs("timeline: an empty command\n", stderr);
            return 2;
        }
    FILE *out = fopen(argv[2], "w");
    if (!out) return perror(argv[2]), 1;
    double *spawn = calloc((size_t)rounds * (size_t)ncmd, sizeof *spawn);
    double *reaped = calloc((size_t)rounds * (size_t)ncmd, sizeof *reaped);
    pid_t *pids = calloc((size_t)rounds * (size_t)ncmd, sizeof *pids);
    if (!spawn || !reaped || !pids) return 1;
    char so[4096];
    snprintf(so, sizeof so, "%s.stdout", argv[2]);
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0 ||
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, so, O_WRONLY | O_CREAT | O_TRUNC, 0644) != 0)
        return perror("posix_spawn_file_actions"), 1;
    for (int r = 0, n = 0; r < rounds; r++)
        for (int k = 0; k < ncmd; k++, n++) {
            int st;
            spawn[n] = now_ms();
            if (posix_spawn(&pids[n], cmd[k][0], &fa, NULL, cmd[k], environ) != 0) return perror(cmd[k][0]), 1;
            if (waitpid(pids[n], &st, 0) < 0) return perror("waitpid"), 1;
            reaped[n] = now_ms();
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "timeline: %s: exit status %d\n", cmd[k][0], st);
                return 1;
            }
        }
    /* Each run's main() times, found by its pid. */
    FILE *m = fopen(mains, "r");
    long pid;
    double t_main, t_end;
    double *mt = malloc((size_t)rounds * (size_t)ncmd * 2 * sizeof *mt);
    if (!mt) return 1;
    for (int n = 0; n < rounds * ncmd; n++) mt[2 * n] = mt[2 * n + 1] = -1;
    while (m && fscanf(m, "%ld %lf %lf", &pid, &t_main, &t_end) == 3)
        for (int n = 0; n < rounds * ncmd; n++)
            if (pids[n] == (pid_t)pid) mt[2 * n] = t_main, mt[2 * n + 1] = t_end;
    if (m) fclose(m);
    unlink(mains);
    for (int n = 0; n < rounds * ncmd; n++)
        fprintf(out, "%d %.3f %.3f %.3f %.3f\n", n % ncmd, spawn[n], mt[2 * n], mt[2 * n + 1], reaped[n]);
    return fclose(out) != 0;
}
#endif
