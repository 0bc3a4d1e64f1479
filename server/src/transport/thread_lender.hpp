// SPDX-License-Identifier: MIT
// ThreadLender: whether a request may run to its end on the I/O thread that read it.
#pragma once

namespace mnemo::transport {

/// Decides when an I/O thread may run a request's database work itself (no hand-off to a
/// worker), so that no other client waits behind it.
///
/// Thread safety: every call may run concurrently, each on the thread it asks about.
class ThreadLender {
public:
    virtual ~ThreadLender() = default;

    /// True when the calling thread may run one request to its end now; the caller then
    /// calls Return on this thread when it is done. False: hand the work to a worker.
    [[nodiscard]] virtual bool TryLend() = 0;
    /// Ends what a TryLend that returned true began.
    virtual void Return() = 0;
};

}  // namespace mnemo::transport
