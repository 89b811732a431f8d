// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/thread_scheduling.h>

#include <cstring>

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#endif

namespace dualsat {

bool set_batch_scheduling(std::string* error)
{
#if defined(__linux__) && defined(SCHED_BATCH)
    sched_param param{};
    param.sched_priority = 0; // the only priority of SCHED_BATCH
    const int rc = pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
    if (rc == 0)
        return true;
    if (error)
        *error = std::string("SCHED_BATCH refused: ") + std::strerror(rc);
    return false;
#else
    if (error)
        *error = "SCHED_BATCH is not available on this system";
    return false;
#endif
}

bool batch_scheduling()
{
#if defined(__linux__) && defined(SCHED_BATCH)
    int policy = 0;
    sched_param param{};
    return pthread_getschedparam(pthread_self(), &policy, &param) == 0 && policy == SCHED_BATCH;
#else
    return false;
#endif
}

} // namespace dualsat
