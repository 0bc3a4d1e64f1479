// SPDX-License-Identifier: MIT
// IoLoops: where new connections are seated and when a loop's thread may be lent.
#include "transport/io_loops.hpp"

#include <functional>
#include <future>

#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

namespace mnemo::transport {
namespace {

/// Runs `fn` on the thread of `loop` and returns its result.
template <typename Fn>
auto OnLoop(boost::asio::io_context& loop, Fn fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(loop, [&task] { task(); });
    return result.get();
}

TEST(IoLoopsTest, NewConnectionsGoToTheLoopWithTheFewest) {
    IoLoops loops(3);
    const auto a = loops.Assign();
    const auto b = loops.Assign();
    const auto c = loops.Assign();
    EXPECT_NE(a.index, b.index);
    EXPECT_NE(b.index, c.index);
    EXPECT_NE(a.index, c.index);
    EXPECT_EQ(loops.connections(), 3u);
    loops.Release(b.index);
    EXPECT_EQ(loops.connections(), 2u);
    EXPECT_EQ(loops.Assign().index, b.index);
}

TEST(IoLoopsTest, AConnectionSharingItsLoopMovesOnlyToALoopThatServesNone) {
    IoLoops loops(2);
    const auto first = loops.Assign();
    const auto second = loops.Assign();
    const auto third = loops.Assign();  // shares a loop with one of the others
    EXPECT_FALSE(loops.ShouldReseat(first.index)) << "no loop is idle";
    EXPECT_FALSE(loops.ShouldReseat(second.index));
    // The connection alone on its loop leaves: the shared loop's connections should move.
    const auto alone = third.index == first.index ? second : first;
    loops.Release(alone.index);
    EXPECT_TRUE(loops.ShouldReseat(third.index));
    // The move: seated where Assign chooses (the idle loop), then released where it was.
    const auto moved = loops.Assign();
    EXPECT_EQ(moved.index, alone.index);
    loops.Release(third.index);
    EXPECT_FALSE(loops.ShouldReseat(moved.index)) << "alone now";
    EXPECT_FALSE(loops.ShouldReseat(third.index)) << "alone now";
}

TEST(IoLoopsTest, NoConnectionMovesToALentLoop) {
    IoLoops loops(3);
    loops.Start();
    const auto a = loops.Assign();
    (void)loops.Assign();
    (void)loops.Assign();
    std::promise<void> lent_now;
    std::promise<void> give_back;
    std::promise<void> given_back;
    boost::asio::post(a.loop, [&] {
        const bool lent = loops.TryLend();
        lent_now.set_value();
        give_back.get_future().wait();
        if (lent) loops.Return();
        given_back.set_value();
    });
    lent_now.get_future().wait();
    const auto crowding = loops.Assign();  // shares a loop that is not lent
    EXPECT_NE(crowding.index, a.index);
    loops.Release(a.index);  // a's loop now serves none, but its thread is still lent
    EXPECT_FALSE(loops.ShouldReseat(crowding.index));
    give_back.set_value();
    given_back.get_future().wait();
    EXPECT_TRUE(loops.ShouldReseat(crowding.index));
    loops.Stop();
}

TEST(IoLoopsTest, AThreadIsLentOnlyWhileItsLoopServesOneConnection) {
    IoLoops loops(2);
    loops.Start();
    const auto alone = loops.Assign();
    EXPECT_FALSE(loops.TryLend()) << "this thread runs no loop";
    EXPECT_TRUE(OnLoop(alone.loop, [&] {
        if (!loops.TryLend()) return false;
        const bool nested = loops.TryLend();  // a request inside a lent request is not lent
        loops.Return();
        return !nested;
    }));
    // The other loop gets the next connection, then both loops serve one each; a third
    // connection makes its loop shared, and a shared loop's thread is never lent.
    const auto other = loops.Assign();
    EXPECT_NE(other.index, alone.index);
    const auto third = loops.Assign();
    EXPECT_FALSE(OnLoop(third.loop, [&] { return loops.TryLend(); }));
    loops.Release(third.index);
    EXPECT_TRUE(OnLoop(third.loop, [&] {
        const bool lent = loops.TryLend();
        if (lent) loops.Return();
        return lent;
    }));
    loops.Stop();
}

TEST(IoLoopsTest, OneLoopIsNeverLentAndNewConnectionsAvoidALentOne) {
    IoLoops loops(2);
    loops.Start();
    const auto first = loops.Assign();
    const auto second = loops.Assign();
    std::promise<void> release;
    std::promise<bool> lent;
    boost::asio::post(first.loop, [&] {
        lent.set_value(loops.TryLend());
        release.get_future().wait();  // a long statement on the lent thread
        loops.Return();
    });
    ASSERT_TRUE(lent.get_future().get());
    // The other loop's thread stays for the sockets, though it serves one connection too.
    EXPECT_FALSE(OnLoop(second.loop, [&] { return loops.TryLend(); }));
    // The lent loop has the fewest connections once the other has two, yet is skipped.
    const auto shared = loops.Assign();
    EXPECT_EQ(shared.index, second.index);
    loops.Release(second.index);
    EXPECT_EQ(loops.Assign().index, second.index);
    release.set_value();
    loops.Stop();
}

}  // namespace
}  // namespace mnemo::transport
