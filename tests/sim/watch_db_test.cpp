// SPDX-License-Identifier: MIT
// drv::WatchDb on its own (the requesting side of epoll's persistent remote interest,
// docs/epoll.md): the first watcher of a key asks the owner, later ones are answered
// from the entry; the owner's changes reach every watcher; the last watcher's going,
// by removal or by its registration ending, drops the watch; an owner going down
// answers with the vanished state. posix.epoll_* and posix.persistent_interest check
// the whole machine.
#include <gtest/gtest.h>

#include <memory>

#include "shadowsel/driver/watch_db.h"

namespace shadowsel::test {
namespace {

using drv::ObjectState;
using drv::SelectKey;
using drv::Wait;
using drv::WatchDb;

std::shared_ptr<Wait> item(uint64_t id, uint32_t keys) {
  auto w = std::make_shared<Wait>();
  w->id = id;
  w->answers_pending = keys;
  return w;
}

ObjectState with_data(bool data) {
  ObjectState s;
  s.nonempty = data;
  s.readers = s.writers = 1;
  return s;
}

const SelectKey kKey{1, 7, 0, 0};

TEST(WatchDb, FirstWatcherAsksTheOthersAreAnsweredFromTheEntry) {
  WatchDb db;
  auto a = item(1, 1), b = item(2, 1);
  WatchDb::Delivered d;
  EXPECT_TRUE(db.add(kKey, a, 0, &d));
  EXPECT_TRUE(d.wake.empty());
  bool orphaned = true;
  d = db.deliver(kKey, with_data(false), /*answer=*/true, &orphaned);
  EXPECT_FALSE(orphaned);
  ASSERT_EQ(a->answers.size(), 1u);
  EXPECT_EQ(a->answers_pending, 0u);
  d = {};
  EXPECT_FALSE(db.add(kKey, b, 3, &d));  // no message: the entry answers
  ASSERT_EQ(b->answers.size(), 1u);
  EXPECT_EQ(b->answers[0].slot, 3u);
  EXPECT_EQ(b->answers_pending, 0u);
  ASSERT_EQ(d.wake.size(), 1u);
  EXPECT_EQ(d.wake[0], b.get());
}

TEST(WatchDb, ChangesReachEveryWatcherAsReadyRecordsAndKeepComing) {
  WatchDb db;
  auto a = item(1, 1), b = item(2, 1);
  WatchDb::Delivered d;
  db.add(kKey, a, 0, &d);
  db.add(kKey, b, 0, &d);
  bool orphaned = false;
  db.deliver(kKey, with_data(false), true, &orphaned);
  for (int change = 0; change < 3; ++change) {
    d = db.deliver(kKey, with_data(true), false, &orphaned);
    EXPECT_EQ(d.linked, 2u);
  }
  EXPECT_EQ(a->ready.size(), 3u);  // persistent: not spent by the first change
  EXPECT_EQ(b->ready.size(), 3u);
  EXPECT_TRUE(a->ready[0].remote);
  EXPECT_TRUE(a->ready[0].state.nonempty);
}

TEST(WatchDb, TheLastWatcherGoingDropsTheWatch) {
  WatchDb db;
  auto a = item(1, 1), b = item(2, 1);
  WatchDb::Delivered d;
  db.add(kKey, a, 0, &d);
  db.add(kKey, b, 0, &d);
  EXPECT_FALSE(db.remove(kKey, 1, 0));
  EXPECT_TRUE(db.remove(kKey, 2, 0));
  EXPECT_EQ(db.size(), 0u);
  EXPECT_FALSE(db.remove(kKey, 2, 0));  // nothing left to drop
  // A registration that ended without a removal: the next change finds no watcher.
  auto c = item(3, 1);
  EXPECT_TRUE(db.add(kKey, c, 0, &d));
  c->active = false;
  bool orphaned = false;
  d = db.deliver(kKey, with_data(true), true, &orphaned);
  EXPECT_TRUE(orphaned);
  EXPECT_EQ(d.linked, 0u);
  EXPECT_EQ(db.size(), 0u);
}

TEST(WatchDb, AnOwnerGoingDownAnswersWithTheVanishedState) {
  WatchDb db;
  auto a = item(1, 1);
  WatchDb::Delivered d;
  db.add(kKey, a, 0, &d);
  const SelectKey other{2, 7, 0, 0};
  auto b = item(2, 1);
  db.add(other, b, 0, &d);
  d = db.vanish_if([](const SelectKey& k) { return k.owner == 1; });
  EXPECT_EQ(d.linked, 1u);
  ASSERT_EQ(a->answers.size(), 1u);  // unanswered yet: the vanished state is its answer
  EXPECT_EQ(a->answers[0].state.readers, 0u);
  EXPECT_EQ(a->answers[0].state.writers, 0u);
  EXPECT_EQ(db.size(), 1u);
  EXPECT_TRUE(b->answers.empty());
}

}  // namespace
}  // namespace shadowsel::test
