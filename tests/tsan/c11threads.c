/*
 * c11threads.c - C11 <threads.h> on top of POSIX threads, preloaded under
 * ThreadSanitizer only.
 *
 * Why: Debian's librdkafka starts its threads and takes its locks through
 * glibc's C11 thrd_create/mtx_lock/cnd_wait, which call glibc's internal
 * pthread functions directly.  LLVM 14's ThreadSanitizer intercepts only
 * the public pthread entry points, so it never learns of those threads
 * (and crashes in them) nor of those locks (and would then report false
 * races on data handed over under them, e.g. in our Kafka callbacks).
 * Preloading this library routes every C11 call through the public pthread
 * functions, which the sanitizer intercepts.  glibc lays out thrd_t, mtx_t,
 * cnd_t and once_flag exactly as pthread_t, pthread_mutex_t,
 * pthread_cond_t and pthread_once_t, which the static asserts check.
 *
 * Not part of twincast: built and used by tests/tsan.sh alone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

_Static_assert(sizeof(thrd_t) == sizeof(pthread_t), "thrd_t layout");
_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t), "mtx_t layout");
_Static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t), "cnd_t layout");
_Static_assert(sizeof(once_flag) == sizeof(pthread_once_t), "once_flag layout");

static int status(int rc)
{
    switch (rc) {
    case 0: return thrd_success;
    case ETIMEDOUT: return thrd_timedout;
    case EBUSY: return thrd_busy;
    case ENOMEM: return thrd_nomem;
    default: return thrd_error;
    }
}

typedef struct start {
    thrd_start_t func;
    void *arg;
} start;

static void *trampoline(void *p)
{
    start s = *(start *)p;
    free(p);
    return (void *)(intptr_t)s.func(s.arg);
}

int thrd_create(thrd_t *thr, thrd_start_t func, void *arg)
{
    start *s = malloc(sizeof *s);
    if (!s)
        return thrd_nomem;
    s->func = func;
    s->arg = arg;
    int rc = pthread_create((pthread_t *)thr, NULL, trampoline, s);
    if (rc != 0)
        free(s);
    return status(rc);
}

int thrd_join(thrd_t thr, int *res)
{
    void *ret = NULL;
    int rc = pthread_join((pthread_t)thr, &ret);
    if (rc == 0 && res)
        *res = (int)(intptr_t)ret;
    return status(rc);
}

int thrd_detach(thrd_t thr)
{
    return status(pthread_detach((pthread_t)thr));
}

int mtx_init(mtx_t *m, int type)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    if (type & mtx_recursive)
        pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    int rc = pthread_mutex_init((pthread_mutex_t *)m, &a);
    pthread_mutexattr_destroy(&a);
    return status(rc);
}

int mtx_lock(mtx_t *m)
{
    return status(pthread_mutex_lock((pthread_mutex_t *)m));
}
int mtx_trylock(mtx_t *m)
{
    return status(pthread_mutex_trylock((pthread_mutex_t *)m));
}
int mtx_unlock(mtx_t *m)
{
    return status(pthread_mutex_unlock((pthread_mutex_t *)m));
}
void mtx_destroy(mtx_t *m)
{
    pthread_mutex_destroy((pthread_mutex_t *)m);
}

int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict ts)
{
    return status(pthread_mutex_timedlock((pthread_mutex_t *)m, ts));
}

int cnd_init(cnd_t *c)
{
    return status(pthread_cond_init((pthread_cond_t *)c, NULL));
}
int cnd_signal(cnd_t *c)
{
    return status(pthread_cond_signal((pthread_cond_t *)c));
}
int cnd_broadcast(cnd_t *c)
{
    return status(pthread_cond_broadcast((pthread_cond_t *)c));
}
void cnd_destroy(cnd_t *c)
{
    pthread_cond_destroy((pthread_cond_t *)c);
}

int cnd_wait(cnd_t *c, mtx_t *m)
{
    return status(pthread_cond_wait((pthread_cond_t *)c, (pthread_mutex_t *)m));
}

int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts)
{
    return status(pthread_cond_timedwait((pthread_cond_t *)c, (pthread_mutex_t *)m, ts));
}

void call_once(once_flag *flag, void (*func)(void))
{
    pthread_once((pthread_once_t *)flag, func);
}
