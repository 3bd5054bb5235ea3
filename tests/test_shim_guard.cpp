// SPDX-License-Identifier: MIT
// test_shim_guard.cpp - the shim's entry guard, guarded() of shim/internal.hpp,
// which every cvs_* entry point runs its body through: each kind of
// exception becomes its status and one-line message, a success clears the
// message, and thread cancellation (pthread_cancel, pthread_exit) passes
// through to end the thread instead of being swallowed.
//
// The only C++ test: the guard cannot be reached with a cancellation point
// through OpenCV from C, so it is called directly.  Exit status 0 = passed.
#include "internal.hpp"

#include <opencv2/core.hpp>

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>

using cvshim::guarded;

namespace {

int failures = 0;

void expect(bool ok, const char *what, int line) {
    if (ok)
        return;
    std::fprintf(stderr, "test_shim_guard.cpp:%d: expected %s\n", line, what);
    failures++;
}
#define EXPECT(cond) expect((cond), #cond, __LINE__)

bool error_is(const char *text) {
    if (std::strcmp(cvs_last_error(), text) == 0)
        return true;
    std::fprintf(stderr, "last error \"%s\", expected \"%s\"\n", cvs_last_error(), text);
    return false;
}

// ---- exceptions become statuses --------------------------------------

void statuses_and_messages() {
    EXPECT(guarded([] { throw cvshim::invalid_arg("bad width"); }) == CVS_EINVAL);
    EXPECT(error_is("bad width"));
    EXPECT(guarded([] { throw cvshim::shim_error(CVS_ENOMEM, "no room for 12 bytes"); }) ==
           CVS_ENOMEM);
    EXPECT(error_is("no room for 12 bytes"));
    // cv::Exception: "func: err", on one line, without OpenCV's file and line.
    auto opencv_fails = [] {
        cv::error(cv::Error::StsBadArg, "two\nlines\n", "cv::thing", "x.cpp", 7);
    };
    EXPECT(guarded(opencv_fails) == CVS_ECV);
    EXPECT(std::strncmp(cvs_last_error(), "cv::thing: ", 11) == 0);
    EXPECT(std::strstr(cvs_last_error(), "two") != nullptr);
    EXPECT(std::strchr(cvs_last_error(), '\n') == nullptr);
    EXPECT(std::strstr(cvs_last_error(), "x.cpp") == nullptr);
    EXPECT(guarded([] { throw std::bad_alloc(); }) == CVS_ENOMEM);
    EXPECT(error_is("out of memory"));
    EXPECT(guarded([] { throw std::runtime_error("broken invariant"); }) == CVS_EINTERNAL);
    EXPECT(error_is("broken invariant"));
    EXPECT(guarded([] { throw 42; }) == CVS_EINTERNAL);
    EXPECT(error_is("unknown exception"));
    // A success clears the message; a body runs exactly once.
    int runs = 0;
    EXPECT(guarded([&] { runs++; }) == CVS_OK);
    EXPECT(runs == 1);
    EXPECT(error_is(""));
}

// ---- cancellation passes through ---------------------------------------

struct probe {
    bool destroyed = false;   // a local of the body was destroyed by the unwinding
    bool after_guard = false; // the thread went on after guarded() (it must not)
};

struct sets_on_destroy {
    bool *flag;
    ~sets_on_destroy() { *flag = true; }
};

void *cancelled_inside(void *arg) {
    probe *p = static_cast<probe *>(arg);
    guarded([&] {
        sets_on_destroy local{&p->destroyed};
        pthread_cancel(pthread_self());
        pthread_testcancel(); // a cancellation point inside the guarded body
    });
    p->after_guard = true;
    return nullptr;
}

void *exits_inside(void *arg) {
    probe *p = static_cast<probe *>(arg);
    guarded([&] {
        sets_on_destroy local{&p->destroyed};
        pthread_exit(arg);
    });
    p->after_guard = true;
    return nullptr;
}

// Runs fn on a thread; true when the thread ended with `expected` as its
// result, after destroying the body's local, without going on past guarded().
bool thread_ends(void *(*fn)(void *), bool cancel) {
    probe p;
    pthread_t t;
    if (pthread_create(&t, nullptr, fn, &p) != 0) {
        std::fprintf(stderr, "pthread_create failed\n");
        return false;
    }
    void *result = nullptr;
    pthread_join(t, &result);
    void *expected = cancel ? PTHREAD_CANCELED : static_cast<void *>(&p);
    bool ok = result == expected && p.destroyed && !p.after_guard;
    if (!ok)
        std::fprintf(stderr, "%s: result %p (expected %p), local destroyed %d, went on %d\n",
                     cancel ? "pthread_cancel" : "pthread_exit", result, expected, p.destroyed,
                     p.after_guard);
    return ok;
}

// Swallowing the forced unwind aborts the process ("FATAL: exception not
// rethrown"), so the threads run in a child.
void cancellation_passes_through() {
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0) {
        std::perror("fork");
        failures++;
        return;
    }
    if (pid == 0) {
        bool ok = thread_ends(cancelled_inside, true);
        ok = thread_ends(exits_inside, false) && ok;
        std::fflush(nullptr);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        std::fprintf(stderr, "a thread cancelled inside guarded() killed the process with "
                             "signal %d (the forced unwind was caught)\n",
                     WTERMSIG(status));
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

} // namespace

int main() {
    cancellation_passes_through();
    statuses_and_messages();
    if (failures) {
        std::fprintf(stderr, "test_shim_guard: %d failed\n", failures);
        return 1;
    }
    std::printf("test_shim_guard: all passed\n");
    return 0;
}
