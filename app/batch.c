/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"

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

/* ------------------------------------------------ OpenCV's thread pool */

/* Setting OpenCV's thread count starts TBB (its allocator and its pool are
 * loaded and set up), which took 0.8 ms of a one-image run's start
 * (docs/performance.md#start-up).  It runs on a thread of its own while
 * the workers read and decode their first input, which is cvapp's own code
 * and calls no OpenCV; a worker waits for it before its first step
 * (job_opts.steps_ready).  Only then does anything run OpenCV's loops. */
static pthread_mutex_t g_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t g_pool_tid;
static atomic_int g_pool_pending;
static int g_pool_threads;

static void *pool_start(void *arg) {
    (void)arg;
    cvs_set_num_threads(g_pool_threads);
    return NULL;
}

static void pool_begin(int threads) {
    g_pool_threads = threads;
    if (pthread_create(&g_pool_tid, NULL, pool_start, NULL) == 0)
        atomic_store(&g_pool_pending, 1);
    else
        cvs_set_num_threads(threads);
}

static void pool_ready(void) {
    if (!atomic_load(&g_pool_pending)) return;
    pthread_mutex_lock(&g_pool_lock);
    if (atomic_load(&g_pool_pending)) {
        pthread_join(g_pool_tid, NULL);
        atomic_store(&g_pool_pending, 0);
    }
    pthread_mutex_unlock(&g_pool_lock);
}

/* ------------------------------------------------------------- the run */

/* A stream the run writes whole lines to, as inputs finish. */
typedef struct line_stream {
    int fd;           /* -1: none */
    int failed;       /* errno of the first failure (said once, or at the end for EPIPE); 0 */
    const char *opt;  /* "--report", "--features-all"; NULL: the per-image lines on stdout */
    const char *path; /* as given ("-": stdout) */
} line_stream;

/* Why workers start no other input (bits of run_state.stop). */
enum { STOP_FAIL_FAST = 1, STOP_CLOSED = 2 };

typedef struct run_state {
    const item_list *items;
    const batch_opts *o;
    atomic_size_t next;
    atomic_int stop; /* STOP_* bits */
    pthread_mutex_t lock;
    /* under lock: */
    size_t ok, failed, skipped, ignored, done;
    double t_start, t_progress;
    int progress;
    line_stream report, all, lines; /* --report, --features-all, the per-image lines */
    const line_stream *closed;       /* the first stream whose reader went away, or NULL */
    char run_id[17];
    char **made;       /* directories this run created (-d) */
    size_t nmade, capmade;
    /* what each worker is doing, for the first signal's message */
    pthread_mutex_t flight_lock;
    const char **inflight;
    unsigned nworkers;
    int sig_pipe[2];
} run_state;

/* -------------------------------------------------------------- signals */

static atomic_int g_sig_fd = -1;

/* The handler only records the signal; the signal thread does the rest. */
static void on_signal(int sig) {
    int e = errno;
    unsigned char b = (unsigned char)sig;
    if (g_sig_fd < 0 || write(g_sig_fd, &b, 1) != 1) stop_request(sig); /* no signal thread */
    errno = e;
}

static const char *sig_name(int sig) { return sig == SIGINT ? "SIGINT" : "SIGTERM"; }

/* First SIGINT/SIGTERM: one line at once, saying what is in flight; the
 * workers finish it and start nothing new.  Second: the temporary files
 * of the images in flight are removed and the process exits at once. */
static void *signal_thread(void *arg) {
    run_state *s = arg;
    int seen = 0;
    for (;;) {
        unsigned char b;
        ssize_t n = read(s->sig_pipe[0], &b, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || b == 0) return NULL; /* the run is over */
        int first = stop_requested() ? stop_requested() : b;
        if (++seen == 1) {
            char line[1024];
            size_t len = 0, k = 0;
            pthread_mutex_lock(&s->flight_lock);
            for (unsigned i = 0; i < s->nworkers; i++)
                if (s->inflight[i]) {
                    if (k < 3)
                        len += (size_t)snprintf(line + len, len < 600 ? 600 - len : 0, "%s%s", k ? ", " : "",
                                                s->inflight[i]);
                    k++;
                }
            pthread_mutex_unlock(&s->flight_lock);
            if (len > 600) len = 600;
            line[len] = '\0';
            say(STDERR_FILENO, "cvapp: %s: finishing %zu image%s in flight%s%s%s%s, starting no other; "
                "a second SIGINT or SIGTERM stops at once", sig_name(first), k, k == 1 ? "" : "s",
                k ? " (" : "", line, k > 3 ? ", ..." : "", k ? ")" : "");
            /* Set after the line, so that it comes before anything the stop causes. */
            stop_request(b);
        } else {
            file_remove_in_flight();
            say(STDERR_FILENO, "cvapp: second signal: stopped at once; the temporary files of the "
                "images in flight were removed");
            _exit(128 + first);
        }
    }
}

/* ---------------------------------------------------------------- report */

static void make_run_id(char out[17]) {
    unsigned char r[8];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned long long x = (unsigned long long)ts.tv_nsec * 2654435761ULL ^ (unsigned long long)ts.tv_sec ^
                               ((unsigned long long)getpid() << 40);
        memcpy(r, &x, sizeof r);
    }
    for (int i = 0; i < 8; i++) snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static void utc_now(char out[96]) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    /* Not strftime: glibc's reads the time zone file at every call. */
    snprintf(out, 96, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* Where the time of one input went: read, decode, each step, encode, write. */
static void write_stages(jw *j, const job_result *r, const double *step_ms, const pipeline *pl) {
    jw_begin(j, '{');
    jw_key(j, "read"), jw_real(j, r->ms_read, 6);
    jw_key(j, "decode"), jw_real(j, r->ms_decode, 6);
    jw_key(j, "steps");
    jw_begin(j, '[');
    for (size_t i = 0; i < pl->n; i++) jw_real(j, step_ms[i], 6);
    jw_end_(j, ']');
    jw_key(j, "encode"), jw_real(j, r->ms_encode, 6);
    jw_key(j, "write"), jw_real(j, r->ms_write, 6);
    jw_end_(j, '}');
}

/* Facts of an output kept by --skip-existing. */
typedef struct kept {
    long long size;
    int width, height;
} kept;

/* "stdout (--report -)", "--report PATH", "stdout (per-image lines)". */
static void stream_name(const line_stream *st, char *buf, size_t n) {
    if (!st->opt)
        snprintf(buf, n, "stdout (per-image lines)");
    else if (strcmp(st->path, "-") == 0)
        snprintf(buf, n, "stdout (%s -)", st->opt);
    else
        snprintf(buf, n, "%s %s", st->opt, st->path);
}

/* A write to st failed with errno e; under s->lock.  EPIPE (its reader went
 * away, for good): the run stops as at a signal, no new input, and says so
 * once at its end.  Anything else: said at once, once; the run goes on.
 * Either way it exits 1. */
static void stream_failed(run_state *s, line_stream *st, int e, const char *input) {
    if (e == EPIPE) {
        st->failed = EPIPE;
        if (!s->closed) s->closed = st;
        atomic_fetch_or(&s->stop, STOP_CLOSED);
        return;
    }
    if (st->failed) return;
    st->failed = e ? e : EIO;
    char name[600];
    stream_name(st, name, sizeof name);
    say(STDERR_FILENO, "cvapp: %s: cannot write a %s (%s): %s", name, st->opt ? "row" : "line", input,
        e == EINTR ? "interrupted" : strerror(st->failed));
}

/* Ends j's JSON with a newline and writes it to st with one write() (so
 * lines of concurrent runs never mix); frees j.  Under s->lock. */
static void write_line(run_state *s, line_stream *st, jw *j, const char *input) {
    jw_raw(j, "\n");
    int rc = j->err || st->failed == EPIPE ? -1 : write_full(st->fd, j->mem.data, j->mem.len);
    int e = j->err ? j->err : errno;
    jw_free(j);
    if (rc != 0 && st->failed != EPIPE) stream_failed(s, st, e, input);
}

/* One row; under s->lock.  Rows are whole lines written with one write(). */
static void report_row(run_state *s, const item *it, const char *status, const job_result *r,
                       const findings *found, const double *step_ms, const kept *k) {
    if (s->report.fd < 0 || s->report.failed == EPIPE) return;
    char when[96];
    utc_now(when);
    jw j;
    jw_init(&j, -1);
    jw_begin(&j, '{');
    jw_key(&j, "format"), jw_int(&j, REPORT_FORMAT);
    jw_key(&j, "run"), jw_str(&j, s->run_id);
    jw_key(&j, "time"), jw_str(&j, when);
    jw_path(&j, "input", it->input);
    if (it->output) jw_path(&j, "output", it->output);
    else if (!it->ignored) jw_key(&j, "image"), jw_bool(&j, 0); /* --no-image */
    jw_key(&j, "status"), jw_str(&j, status);
    if (it->ignored) jw_key(&j, "reason"), jw_str(&j, it->ignored);
    if (r && strcmp(status, "error") == 0) jw_key(&j, "error"), jw_str(&j, r->err);
    if (k) {
        if (it->output) { /* the kept image's; with --no-image there is none */
            jw_key(&j, "size"), jw_int(&j, k->size);
            jw_key(&j, "width"), jw_int(&j, k->width);
            jw_key(&j, "height"), jw_int(&j, k->height);
        }
        if (it->json) jw_path(&j, "features", it->json);
    }
    if (r && strcmp(status, "ok") == 0) {
        jw_key(&j, "width"), jw_int(&j, r->width);
        jw_key(&j, "height"), jw_int(&j, r->height);
        jw_key(&j, "keypoints"), jw_int(&j, (long long)r->keypoints);
        jw_key(&j, "counts");
        findings_write_counts(found, &j);
        if (findings_truncated(found)) jw_key(&j, "truncated"), jw_bool(&j, 1);
        if (it->json) jw_path(&j, "features", it->json);
        jw_key(&j, "stages");
        write_stages(&j, r, step_ms, s->o->job.pl);
    }
    if (r) jw_key(&j, "ms"), jw_real(&j, r->ms_total, 6);
    jw_end_(&j, '}');
    write_line(s, &s->report, &j, it->input);
}

static void show_progress(run_state *s, int final) {
    double now = now_ms();
    if (!s->progress || (!final && now - s->t_progress < 200)) return;
    s->t_progress = now;
    size_t total = s->items->n;
    double secs = (now - s->t_start) / 1000.0;
    double rate = secs > 0 ? (double)s->done / secs : 0;
    double eta = rate > 0 ? (double)(total - s->done) / rate : 0;
    char line[256];
    int n = snprintf(line, sizeof line, "\r%zu/%zu  %.1f img/s  ETA %.0fs  (%zu failed)\033[K%s", s->done, total,
                     rate, eta, s->failed, final ? "\n" : "");
    say_raw(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

enum { DONE_RUN, DONE_SKIPPED, DONE_IGNORED };

static void finish_item(run_state *s, const item *it, int rc, int how, const job_result *r,
                        const findings *found, const double *step_ms, const kept *k) {
    jw all; /* --features-all: the line, made before the lock is taken */
    int all_line = s->all.fd >= 0 && s->all.failed != EPIPE && how == DONE_RUN && rc == 0;
    if (all_line) {
        jw_init(&all, -1);
        findings_write_json(found, &all, it->input, r->width, r->height, r->channels);
    }
    pthread_mutex_lock(&s->lock);
    if (all_line) write_line(s, &s->all, &all, it->input);
    s->done++;
    if (how == DONE_IGNORED) {
        s->ignored++;
        report_row(s, it, "ignored", NULL, found, NULL, NULL);
    } else if (how == DONE_SKIPPED) {
        s->skipped++;
        report_row(s, it, "skipped", NULL, found, NULL, k);
    } else if (rc != 0) {
        s->failed++;
        say(STDERR_FILENO, "%scvapp: %s: %s", s->progress ? "\r\033[K" : "", it->input, r->err);
        report_row(s, it, "error", r, found, NULL, NULL);
    } else {
        s->ok++;
        report_row(s, it, "ok", r, found, step_ms, NULL);
        /* On stdout unless it carries data; there, a line that cannot be
         * written is a stream failure.  On stderr, as every message, best effort. */
        if (!s->o->quiet && !s->progress && s->lines.failed != EPIPE &&
            say(s->lines.fd >= 0 ? s->lines.fd : STDERR_FILENO, "%s: %dx%dx%d -> %s %dx%dx%d, %zu keypoints, %.1f ms",
                it->input, r->width, r->height, r->channels, it->output ? it->output : "(no image)", r->out_width,
                r->out_height, r->out_channels, r->keypoints, r->ms_total) != 0 &&
            s->lines.fd >= 0)
            stream_failed(s, &s->lines, errno, it->input);
    }
    show_progress(s, 0);
    pthread_mutex_unlock(&s->lock);
}

/* --skip-existing: 1 when the image output is complete (its header
 * decodes and it ends as its format ends) and so is the JSON (it parses);
 * k gets the image's size and dimensions. */
static int outputs_complete(worker *w, const batch_opts *o, const item *it, kept *k) {
    char err[ERRLEN];
    struct stat st;
    if (!it->output) { /* --no-image: the JSON alone, when there is one */
        k->size = k->width = k->height = 0;
        return it->json && strcmp(it->json, "-") != 0 && stat(it->json, &st) == 0 && S_ISREG(st.st_mode) &&
               file_read_all(it->json, &w->in, err) == 0 && json_valid((const char *)w->in.data, w->in.len);
    }
    if (strcmp(it->output, "-") == 0 || stat(it->output, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    if (file_read_all(it->output, &w->in, err) != 0) return 0;
    const uint8_t *p = w->in.data;
    size_t n = w->in.len;
    static const uint8_t iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    img_format f = n >= 8 ? image_detect(p, n) : IMG_UNKNOWN;
    int ends = (f == IMG_PNG && n >= 12 && memcmp(p + n - 12, iend, 12) == 0) ||
               (f == IMG_JPEG && n >= 2 && p[n - 2] == 0xff && p[n - 1] == 0xd9);
    int c;
    if (!ends || image_probe(&w->codec, p, n, &o->job.dec, &k->width, &k->height, &c, err) != 0) return 0;
    k->size = (long long)st.st_size;
    if (!it->json || strcmp(it->json, "-") == 0) return 1;
    if (stat(it->json, &st) != 0 || !S_ISREG(st.st_mode) || file_read_all(it->json, &w->in, err) != 0)
        return 0;
    return json_valid((const char *)w->in.data, w->in.len);
}

static void dir_made(const char *dir, void *ctx) {
    run_state *s = ctx;
    pthread_mutex_lock(&s->lock);
    if (s->nmade == s->capmade) {
        size_t cap = s->capmade ? s->capmade * 2 : 16;
        char **p = realloc(s->made, cap * sizeof *p);
        if (p) {
            s->made = p;
            s->capmade = cap;
        }
    }
    if (s->nmade < s->capmade && (s->made[s->nmade] = strdup(dir))) s->nmade++;
    pthread_mutex_unlock(&s->lock);
}

typedef struct worker_arg {
    run_state *s;
    unsigned index;
} worker_arg;

static void set_inflight(run_state *s, unsigned index, const char *input) {
    if (!s->inflight) return; /* not allocated: one worker, no list of images in flight */
    pthread_mutex_lock(&s->flight_lock);
    s->inflight[index] = input;
    pthread_mutex_unlock(&s->flight_lock);
}

/* An input whose outputs a helper thread publishes (job_publish: the
 * fsyncs, the renames, the directory's fsync) while its worker goes on
 * with the next input: the worker's CPU is not left idle while the disk
 * makes them durable.  Its report row and line come once they are
 * published, before the worker's next input is published: each worker's
 * inputs are published, and reported, in the order it ran them. */
typedef struct pending {
    run_state *s;
    const item *it;
    job_outputs out;
    job_result r;
    findings found; /* swapped with the worker's */
    double step_ms[PIPELINE_MAX_STEPS];
    int rc;
    int active; /* a thread is publishing it */
    pthread_t tid;
} pending;

static void *publish_thread(void *arg) {
    pending *p = arg;
    p->rc = job_publish(&p->out, &p->r);
    return NULL;
}

/* Ends an input that has run: reported, and --fail-fast applied. */
static void input_done(run_state *s, const item *it, int rc, const job_result *r, const findings *found,
                       const double *step_ms) {
    finish_item(s, it, rc, DONE_RUN, r, found, step_ms, NULL);
    if (rc != 0 && s->o->fail_fast) atomic_fetch_or(&s->stop, STOP_FAIL_FAST);
}

/* Waits for p's publication, if one is running, and reports its input. */
static void settle(pending *p) {
    if (!p->active) return;
    pthread_join(p->tid, NULL);
    p->active = 0;
    input_done(p->s, p->it, p->rc, &p->r, &p->found, p->step_ms);
}

/* Publishes w's staged input on a helper thread when that can help: the
 * fsyncs are on (without them publishing is quick), another input may
 * follow, and out holds no bytes that the next input would overwrite
 * (stdout, in place).  Returns 1 when it did; 0: publish here. */
static int publish_behind(pending *p, worker *w, const item *it, job_outputs *out, const job_result *r) {
    if (w->last || !file_fsync_on() || !job_outputs_detached(out)) return 0;
    p->it = it;
    p->out = *out;
    p->r = *r;
    if (pthread_create(&p->tid, NULL, publish_thread, p) != 0) return 0;
    findings f = p->found;
    p->found = w->found;
    w->found = f;
    memcpy(p->step_ms, w->step_ms, sizeof p->step_ms);
    p->active = 1;
    return 1;
}

static void *work(void *arg) {
    worker_arg *wa = arg;
    run_state *s = wa->s;
    const batch_opts *o = s->o;
    worker w = {0};
    pending p = {.s = s};
    job_result r;
    job_outputs out;
    w.found.max_items = p.found.max_items = o->job.max_features;
    /* The detectors of this thread keep no more while collecting. */
    cvs_set_max_items(o->job.max_features);
    while (!stop_requested() && !atomic_load(&s->stop)) {
        size_t i = atomic_fetch_add(&s->next, 1);
        if (i >= s->items->n) break;
        const item *it = &s->items->v[i];
        w.last = atomic_load(&s->next) >= s->items->n; /* none left to claim */
        kept k;
        if (it->ignored) {
            settle(&p);
            finish_item(s, it, 0, DONE_IGNORED, NULL, &w.found, NULL, NULL);
            continue;
        }
        if (o->skip_existing && outputs_complete(&w, o, it, &k)) {
            settle(&p);
            finish_item(s, it, 0, DONE_SKIPPED, NULL, &w.found, NULL, &k);
            continue;
        }
        set_inflight(s, wa->index, it->input);
        int rc = 0;
        memset(&r, 0, sizeof r);
        if (o->make_dirs && it->output) rc = make_parents(it->output, r.err, dir_made, s);
        if (rc == 0 && o->make_dirs && it->json) rc = make_parents(it->json, r.err, dir_made, s);
        if (rc == 0) rc = job_stage(&w, &o->job, it->input, it->output, it->json, &r, &out);
        settle(&p); /* the previous input's outputs come first */
        if (rc == 0 && publish_behind(&p, &w, it, &out, &r)) {
            set_inflight(s, wa->index, NULL);
            continue;
        }
        if (rc == 0) rc = job_publish(&out, &r);
        input_done(s, it, rc, &r, &w.found, w.step_ms);
        set_inflight(s, wa->index, NULL);
    }
    settle(&p);
    findings_free(&p.found);
    worker_free(&w);
    return NULL;
}

static int by_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
}

/* The directories where writing PATH makes its temporary file, into
 * dirs[*n...]: PATH's own, and, when PATH is a symbolic link, its target's
 * (file_stage_open writes beside the target). */
static void temp_dirs_of(const char *path, char **dirs, size_t *n) {
    if (!path || strcmp(path, "-") == 0) return;
    if ((dirs[*n] = dir_of(path))) (*n)++;
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode)) return;
    char *target = realpath(path, NULL);
    if (target && (dirs[*n] = dir_of(target))) (*n)++;
    free(target);
}

/* Removes the temporary files a killed run left wherever this run makes
 * its own (temp_dirs_of).  Returns how many. */
static size_t clean_leftovers(const item_list *l) {
    char **dirs = malloc((4 * l->n + 1) * sizeof *dirs);
    size_t n = 0, removed = 0;
    if (!dirs) return 0;
    for (size_t i = 0; i < l->n; i++) {
        temp_dirs_of(l->v[i].output, dirs, &n);
        temp_dirs_of(l->v[i].json, dirs, &n);
    }
    if (n) qsort(dirs, n, sizeof *dirs, by_str);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(dirs[i], dirs[i - 1]) != 0) removed += file_clean_dir(dirs[i]);
    }
    for (size_t i = 0; i < n; i++) free(dirs[i]);
    free(dirs);
    return removed;
}

/* Closes a file open_lines opened (stdout stays); returns st->failed, set
 * when the close fails (said, unless a write failure was). */
static int close_lines(line_stream *st) {
    if (st->fd > STDERR_FILENO && close(st->fd) != 0 && !st->failed) {
        st->failed = errno ? errno : EIO;
        say(STDERR_FILENO, "cvapp: %s %s: %s", st->opt, st->path, strerror(st->failed));
    }
    return st->failed;
}

/* 1 when an image, a features JSON, the report or --features-all goes to
 * stdout (the per-image lines then go to stderr). */
static int stdout_has_data(const item_list *l, const batch_opts *o) {
    if ((o->report && strcmp(o->report, "-") == 0) || (o->features_all && strcmp(o->features_all, "-") == 0))
        return 1;
    for (size_t i = 0; i < l->n; i++)
        if ((l->v[i].output && strcmp(l->v[i].output, "-") == 0) || (l->v[i].json && strcmp(l->v[i].json, "-") == 0))
            return 1;
    return 0;
}

static int by_length_desc(const void *a, const void *b) {
    size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);
    return (x < y) - (x > y);
}

/* Opens the JSON Lines file of option opt (--report, --features-all) for
 * appending; "-" is stdout, NULL none (st->fd = -1). */
static int open_lines(const char *opt, const char *path, line_stream *ls) {
    char err[ERRLEN];
    *ls = (line_stream){.fd = -1, .opt = opt, .path = path};
    int *fd = &ls->fd;
    if (!path) return 0;
    if (!*path) {
        say(STDERR_FILENO, "cvapp: %s: the file name is empty", opt);
        return -1;
    }
    if (strcmp(path, "-") == 0) {
        *fd = STDOUT_FILENO;
        return 0;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        say(STDERR_FILENO, "cvapp: %s %s: is a directory", opt, path);
        return -1;
    }
    if (make_parents(path, err, NULL, NULL) != 0 || (*fd = file_open_append(path, err)) < 0) {
        say(STDERR_FILENO, "cvapp: %s %s: %s", opt, path, err);
        return -1;
    }
    return 0;
}

int batch_run(const item_list *l, const batch_opts *opts) {
    batch_opts planned = *opts;
    planned.job.steps_ready = pool_ready;
    const batch_opts *o = &planned;
    run_state s = {.items = l, .o = o, .t_start = now_ms(), .sig_pipe = {-1, -1}};
    atomic_init(&s.next, 0);
    atomic_init(&s.stop, 0);
    pthread_mutex_init(&s.lock, NULL);
    pthread_mutex_init(&s.flight_lock, NULL);
    s.progress = o->progress < 0 ? isatty(STDERR_FILENO) && !o->quiet : o->progress;
    make_run_id(s.run_id);
    if (open_lines("--report", o->report, &s.report) != 0) return EXIT_USAGE;
    if (open_lines("--features-all", o->features_all, &s.all) != 0) {
        if (s.report.fd > STDERR_FILENO) close(s.report.fd);
        return EXIT_USAGE;
    }
    s.lines = (line_stream){.fd = stdout_has_data(l, o) ? -1 : STDOUT_FILENO, .path = "-"};

    unsigned cpus = cpus_available();
    unsigned nw = o->jobs ? o->jobs : cpus;
    if (nw > l->n) nw = l->n ? (unsigned)l->n : 1;
    /* Workers times OpenCV threads stays within the CPUs. */
    int cvt = o->cv_threads >= 0 ? o->cv_threads : (int)((cpus / nw) ? cpus / nw : 1);
    pool_begin(cvt);
    s.nworkers = nw;
    s.inflight = calloc(nw, sizeof *s.inflight);
    worker_arg *args = calloc(nw, sizeof *args);

    size_t removed = clean_leftovers(l);
    if (removed && !o->quiet)
        say(STDERR_FILENO, "cvapp: removed %zu temporary file%s left by an interrupted run", removed,
            removed == 1 ? "" : "s");

    struct sigaction sa, old_int, old_term;
    pthread_t sig_tid;
    int sig_thread = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (pipe2(s.sig_pipe, O_CLOEXEC) == 0) {
        g_sig_fd = s.sig_pipe[1];
        sig_thread = pthread_create(&sig_tid, NULL, signal_thread, &s) == 0;
    }
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    pthread_t *tids = calloc(nw, sizeof *tids);
    unsigned started = 0;
    if (tids && args && s.inflight && nw > 1)
        for (; started < nw; started++) {
            args[started] = (worker_arg){&s, started};
            if (pthread_create(&tids[started], NULL, work, &args[started]) != 0) break;
        }
    if (started == 0) { /* one worker, or threads unavailable: this thread */
        worker_arg one = {&s, 0};
        if (nw > 1 && !o->quiet)
            say(STDERR_FILENO, "cvapp: cannot start %u workers (%s); running one", nw,
                tids && args && s.inflight ? "no thread" : "out of memory");
        if (!s.inflight) s.nworkers = 0;
        work(&one);
    }
    for (unsigned i = 0; i < started; i++) pthread_join(tids[i], NULL);
    free(tids);
    pool_ready(); /* when no input got as far as its steps */

    /* Directories made for outputs that all failed are removed again. */
    if (s.nmade) qsort(s.made, s.nmade, sizeof *s.made, by_length_desc);
    for (size_t i = 0; i < s.nmade; i++) {
        rmdir(s.made[i]);
        free(s.made[i]);
    }
    free(s.made);

    pthread_mutex_lock(&s.lock);
    show_progress(&s, 1);
    double secs = (now_ms() - s.t_start) / 1000.0;
    size_t not_started = l->n - s.done;
    int sig = stop_requested();
    if (!o->quiet && (l->n > 1 || sig)) {
        char rate[64] = "";
        if (s.ok && secs > 0) snprintf(rate, sizeof rate, "%.1f images/s, ", (double)s.ok / secs);
        char ign[48] = "";
        if (s.ignored) snprintf(ign, sizeof ign, ", %zu ignored", s.ignored);
        say(STDERR_FILENO, "cvapp: %zu ok, %zu failed, %zu skipped%s in %.2f s (%s%u worker%s)", s.ok, s.failed,
            s.skipped, ign, secs, rate, nw, nw == 1 ? "" : "s");
    }
    if (s.closed) { /* docs/batch.md, "A reader that goes away" */
        char name[600];
        stream_name(s.closed, name, sizeof name);
        if (sig)
            say(STDERR_FILENO, "cvapp: %s: %s", name, strerror(EPIPE));
        else
            say(STDERR_FILENO, "cvapp: %s: %s; %zu inputs not started", name, strerror(EPIPE), not_started);
    }
    if (sig)
        say(STDERR_FILENO, "cvapp: interrupted by %s; %zu inputs not started", sig_name(sig), not_started);
    else if (!s.closed && (atomic_load(&s.stop) & STOP_FAIL_FAST) && not_started)
        say(STDERR_FILENO, "cvapp: stopped at the first failure (--fail-fast); %zu inputs not started", not_started);
    pthread_mutex_unlock(&s.lock);

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (sig_thread) {
        unsigned char zero = 0;
        if (write(s.sig_pipe[1], &zero, 1) == 1) pthread_join(sig_tid, NULL);
    }
    g_sig_fd = -1;
    if (s.sig_pipe[0] >= 0) close(s.sig_pipe[0]);
    if (s.sig_pipe[1] >= 0) close(s.sig_pipe[1]);
    int streams_failed = close_lines(&s.report) | close_lines(&s.all) | s.lines.failed;
    free(s.inflight);
    free(args);
    pthread_mutex_destroy(&s.lock);
    pthread_mutex_destroy(&s.flight_lock);
    if (sig) return 128 + sig;
    return s.failed || streams_failed ? EXIT_INPUT : EXIT_OK;
}
