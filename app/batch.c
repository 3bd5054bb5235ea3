#define _GNU_SOURCE
#include "batch.h"

#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

static volatile sig_atomic_t g_signal;

static void on_signal(int sig) { g_signal = sig; }

/* ---------------------------------------------------------------- CPUs */

static int read_two_numbers(const char *path, long long *a, long long *b, int *unlimited) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char buf[128] = "";
    int ok = fgets(buf, sizeof buf, f) != NULL;
    fclose(f);
    if (!ok) return -1;
    *unlimited = strncmp(buf, "max", 3) == 0;
    if (*unlimited) return 0;
    return sscanf(buf, "%lld %lld", a, b) >= 1 ? 0 : -1;
}

static unsigned cgroup_cpus(void) {
    long long quota = 0, period = 100000;
    int unlimited = 0;
    /* cgroup v2: the process's own group, then the root as a container sees it. */
    char path[4200] = "";
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f) {
        char line[4096];
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "0::", 3) == 0) {
                line[strcspn(line, "\n")] = '\0';
                snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpu.max", line + 3);
            }
        fclose(f);
    }
    if ((path[0] && read_two_numbers(path, &quota, &period, &unlimited) == 0) ||
        read_two_numbers("/sys/fs/cgroup/cpu.max", &quota, &period, &unlimited) == 0) {
        if (unlimited || quota <= 0 || period <= 0) return 0;
        return (unsigned)((quota + period - 1) / period);
    }
    long long p = 0;
    if (read_two_numbers("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", &quota, &p, &unlimited) == 0 &&
        read_two_numbers("/sys/fs/cgroup/cpu/cpu.cfs_period_us", &period, &p, &unlimited) == 0 &&
        quota > 0 && period > 0)
        return (unsigned)((quota + period - 1) / period);
    return 0;
}

unsigned cpus_available(void) {
    cpu_set_t set;
    unsigned n = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0) n = (unsigned)CPU_COUNT(&set);
    if (n == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (unsigned)c : 1;
    }
    unsigned q = cgroup_cpus();
    if (q && q < n) n = q;
    return n ? n : 1;
}

/* ------------------------------------------------------------- the run */

typedef struct run_state {
    const item_list *items;
    const batch_opts *o;
    atomic_size_t next;
    atomic_int stop; /* --fail-fast tripped */
    pthread_mutex_t lock;
    /* under lock: */
    size_t ok, failed, skipped, done;
    double t_start, t_progress;
    int progress;
} run_state;

/* Where the time of one input went: read, decode, each step, encode, write. */
static json_t *stages_json(const job_result *r, const double *step_ms, const pipeline *pl) {
    json_t *steps = json_array();
    for (size_t i = 0; steps && i < pl->n; i++) json_array_append_new(steps, json_real(step_ms[i]));
    return json_pack("{s:f,s:f,s:o,s:f,s:f}", "read", r->ms_read, "decode", r->ms_decode, "steps",
                     steps ? steps : json_null(), "encode", r->ms_encode, "write", r->ms_write);
}

static void report_row(run_state *s, const item *it, const char *status, const job_result *r,
                       const findings *found, const double *step_ms) {
    if (!s->o->report) return;
    json_t *row = json_pack("{s:s,s:s,s:s}", "input", it->input, "output", it->output, "status", status);
    if (!row) return;
    if (strcmp(status, "error") == 0) json_object_set_new(row, "error", json_string(r->err));
    if (strcmp(status, "ok") == 0) {
        json_object_set_new(row, "width", json_integer(r->width));
        json_object_set_new(row, "height", json_integer(r->height));
        json_object_set_new(row, "keypoints", json_integer((json_int_t)r->keypoints));
        json_object_set_new(row, "counts", findings_counts(found));
        if (it->json) json_object_set_new(row, "features", json_string(it->json));
        json_object_set_new(row, "stages", stages_json(r, step_ms, s->o->job.pl));
    }
    if (r) json_object_set_new(row, "ms", json_real(r->ms_total));
    char *line = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(row);
    if (line) {
        fputs(line, s->o->report);
        fputc('\n', s->o->report);
        fflush(s->o->report);
        free(line);
    }
}

static void show_progress(run_state *s, int final) {
    double now = now_ms();
    if (!s->progress || (!final && now - s->t_progress < 200)) return;
    s->t_progress = now;
    size_t total = s->items->n;
    double secs = (now - s->t_start) / 1000.0;
    double rate = secs > 0 ? (double)s->done / secs : 0;
    double eta = rate > 0 ? (double)(total - s->done) / rate : 0;
    fprintf(stderr, "\r%zu/%zu  %.1f img/s  ETA %.0fs  (%zu failed)\033[K%s", s->done, total, rate, eta,
            s->failed, final ? "\n" : "");
}

static void finish_item(run_state *s, const item *it, int rc, int skipped, const job_result *r,
                        const worker *w) {
    const findings *found = &w->found;
    pthread_mutex_lock(&s->lock);
    s->done++;
    if (skipped) {
        s->skipped++;
        report_row(s, it, "skipped", NULL, found, NULL);
    } else if (rc != 0) {
        s->failed++;
        if (s->progress) fputs("\r\033[K", stderr);
        fprintf(stderr, "cvapp: %s: %s\n", it->input, r->err);
        report_row(s, it, "error", r, found, NULL);
    } else {
        s->ok++;
        report_row(s, it, "ok", r, found, w->step_ms);
        if (!s->o->quiet && !s->progress) {
            int to_stdout = strcmp(it->output, "-") != 0 && !(it->json && strcmp(it->json, "-") == 0);
            fprintf(to_stdout ? stdout : stderr, "%s: %dx%dx%d -> %s %dx%dx%d, %zu keypoints, %.1f ms\n",
                    it->input, r->width, r->height, r->channels, it->output, r->out_width, r->out_height,
                    r->out_channels, r->keypoints, r->ms_total);
        }
    }
    show_progress(s, 0);
    pthread_mutex_unlock(&s->lock);
}

static void *work(void *arg) {
    run_state *s = arg;
    const batch_opts *o = s->o;
    worker w = {0};
    job_result r;
    while (!g_signal && !atomic_load(&s->stop)) {
        size_t i = atomic_fetch_add(&s->next, 1);
        if (i >= s->items->n) break;
        const item *it = &s->items->v[i];
        if (o->skip_existing && strcmp(it->output, "-") != 0 && file_exists(it->output) &&
            (!it->json || file_exists(it->json))) {
            finish_item(s, it, 0, 1, NULL, &w);
            continue;
        }
        int rc = 0;
        memset(&r, 0, sizeof r);
        if (o->make_dirs) rc = make_parents(it->output, r.err);
        if (rc == 0) rc = job_run(&w, &o->job, it->input, it->output, it->json, &r);
        finish_item(s, it, rc, 0, &r, &w);
        if (rc != 0 && o->fail_fast) atomic_store(&s->stop, 1);
    }
    worker_free(&w);
    return NULL;
}

int batch_run(const item_list *l, const batch_opts *o) {
    run_state s = {.items = l, .o = o, .t_start = now_ms()};
    atomic_init(&s.next, 0);
    atomic_init(&s.stop, 0);
    pthread_mutex_init(&s.lock, NULL);
    s.progress = o->progress < 0 ? isatty(STDERR_FILENO) && !o->quiet : o->progress;

    unsigned cpus = cpus_available();
    unsigned nw = o->jobs ? o->jobs : cpus;
    if (nw > l->n) nw = l->n ? (unsigned)l->n : 1;
    /* Workers times OpenCV threads stays within the CPUs. */
    int cvt = o->cv_threads >= 0 ? o->cv_threads : (int)(cpus / nw ? cpus / nw : 1);
    cvs_set_num_threads(cvt);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    pthread_t *tids = calloc(nw, sizeof *tids);
    unsigned started = 0;
    if (tids && nw > 1)
        for (; started < nw; started++)
            if (pthread_create(&tids[started], NULL, work, &s) != 0) break;
    if (started == 0) work(&s); /* one worker, or threads unavailable: this thread */
    for (unsigned i = 0; i < started; i++) pthread_join(tids[i], NULL);
    free(tids);

    pthread_mutex_lock(&s.lock);
    show_progress(&s, 1);
    double secs = (now_ms() - s.t_start) / 1000.0;
    size_t not_started = l->n - s.done;
    if (!o->quiet && (l->n > 1 || g_signal))
        fprintf(stderr, "cvapp: %zu ok, %zu failed, %zu skipped in %.2f s (%.1f images/s, %u worker%s)\n",
                s.ok, s.failed, s.skipped, secs, secs > 0 ? (double)(s.ok + s.failed) / secs : 0.0, nw,
                nw == 1 ? "" : "s");
    if (g_signal)
        fprintf(stderr, "cvapp: interrupted by %s; %zu inputs not started\n",
                g_signal == SIGINT ? "SIGINT" : "SIGTERM", not_started);
    else if (atomic_load(&s.stop) && not_started)
        fprintf(stderr, "cvapp: stopped at the first failure (--fail-fast); %zu inputs not started\n", not_started);
    pthread_mutex_unlock(&s.lock);
    pthread_mutex_destroy(&s.lock);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (g_signal) return 128 + g_signal;
    return s.failed ? EXIT_INPUT : EXIT_OK;
}
