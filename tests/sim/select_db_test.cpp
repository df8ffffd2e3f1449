// SPDX-License-Identifier: MIT
// drv::SelectDb on its own: the database states (idle, in flight, subscribed), the
// answers and ready records it links, the calls it returns to wake, the refused
// answer's hand-back to the agents, an owner going down and a takeover moving keys. The same component
// serves the agents and the engine driver, whose behaviour select_test.cpp and
// ne_driver_test.cpp check in the whole machine.
#include <gtest/gtest.h>

#include <memory>

#include "shadowsel/driver/select_db.h"

namespace shadowsel::test {
namespace {

using drv::ObjectState;
using drv::SelectDb;
using drv::SelectKey;
using drv::Wait;

std::shared_ptr<Wait> call_waiting(uint32_t items) {
  auto w = std::make_shared<Wait>();
  w->answers_pending = items;  // the call counts its items before asking
  return w;
}

ObjectState readable() {
  ObjectState s;
  s.nonempty = true;
  s.readers = s.writers = 1;
  return s;
}

ObjectState empty() {
  ObjectState s;
  s.readers = s.writers = 1;
  return s;
}

const SelectKey kKey{1, 7, 0, 0};

TEST(SelectDb, InFlightWaitersShareOneAnswerThenTheNotification) {
  SelectDb db;
  auto a = call_waiting(1), b = call_waiting(1);
  EXPECT_EQ(db.state(kKey), SelectDb::State::kIdle);
  db.add(kKey, SelectDb::State::kInFlight, a, 0);
  db.add(kKey, SelectDb::State::kInFlight, b, 3);
  EXPECT_EQ(db.state(kKey), SelectDb::State::kInFlight);

  // "Not ready, will notify": both calls get the answer and are woken to scan.
  auto d = db.deliver(kKey, empty(), /*ready=*/false, /*notify=*/false, /*refused=*/false);
  EXPECT_TRUE(d.taken);
  EXPECT_EQ(d.linked, 0u);
  ASSERT_EQ(d.wake.size(), 2u);
  EXPECT_EQ(a->answers_pending, 0u);
  ASSERT_EQ(b->answers.size(), 1u);
  EXPECT_EQ(b->answers[0].slot, 3u);
  EXPECT_EQ(db.state(kKey), SelectDb::State::kSubscribed);

  // The notification: the distributor links a ready record into each call.
  d = db.deliver(kKey, readable(), true, /*notify=*/true, false);
  EXPECT_EQ(d.linked, 2u);
  ASSERT_EQ(a->ready.size(), 1u);
  EXPECT_TRUE(a->ready[0].state.nonempty);
  EXPECT_EQ(db.state(kKey), SelectDb::State::kIdle);  // entry gone
}

TEST(SelectDb, ASubscribedKeyAnswersAtOnceFromTheLastState) {
  SelectDb db;
  auto a = call_waiting(1);
  db.add(kKey, SelectDb::State::kInFlight, a, 0);
  db.deliver(kKey, empty(), false, false, false);
  auto late = call_waiting(1);
  db.add(kKey, SelectDb::State::kSubscribed, late, 5);
  EXPECT_EQ(late->answers_pending, 0u);
  ASSERT_EQ(late->answers.size(), 1u);
  EXPECT_FALSE(late->answers[0].state.nonempty);
  // An answer for a subscribed key is the engine's echo: ignored.
  EXPECT_FALSE(db.deliver(kKey, readable(), false, false, false).taken);
  // A call that went away is skipped by the notification.
  a->active = false;
  auto d = db.deliver(kKey, readable(), true, true, false);
  EXPECT_EQ(d.linked, 1u);
  EXPECT_TRUE(a->ready.empty());
  EXPECT_EQ(late->ready.size(), 1u);
}

TEST(SelectDb, ARefusedAnswerHandsTheItemToTheAgents) {
  SelectDb db;
  auto a = call_waiting(1);
  const SelectKey write_key{2, 9, 1, 0};
  db.add(write_key, SelectDb::State::kInFlight, a, 4);
  auto d = db.deliver(write_key, empty(), /*ready=*/true, false, /*refused=*/true);
  EXPECT_TRUE(d.taken);
  EXPECT_TRUE(a->answers.empty());
  ASSERT_EQ(a->to_agents.size(), 1u);
  EXPECT_EQ(a->to_agents[0].slot, 4u);
  EXPECT_EQ(a->to_agents[0].interest, drv::Interest::kWrite);
  EXPECT_EQ(a->answers_pending, 0u);
  EXPECT_EQ(db.state(write_key), SelectDb::State::kIdle);
}

TEST(SelectDb, AnOwnerGoingDownWakesEveryWaiterOfItsKeysOnly) {
  SelectDb db;
  auto in_flight = call_waiting(1), subscribed = call_waiting(1), other = call_waiting(1);
  db.add(kKey, SelectDb::State::kInFlight, in_flight, 0);
  const SelectKey k2{1, 8, 0, 0};
  db.add(k2, SelectDb::State::kInFlight, subscribed, 1);
  db.deliver(k2, empty(), false, false, false);
  const SelectKey elsewhere{3, 7, 0, 0};
  db.add(elsewhere, SelectDb::State::kInFlight, other, 0);
  auto d = db.vanish_if([](const SelectKey& k) { return k.owner == 1; });
  EXPECT_EQ(d.linked, 2u);
  ASSERT_EQ(in_flight->answers.size(), 1u);
  // A pipe gone with its CPU: no readers, no writers, and a writer was seen (POLLHUP).
  const ObjectState gone = in_flight->answers[0].state;
  EXPECT_EQ(gone.readers, 0u);
  EXPECT_EQ(gone.writers, 0u);
  EXPECT_GT(gone.w_counter, kKey.version);
  EXPECT_EQ(subscribed->ready.size(), 1u);
  EXPECT_EQ(other->answers_pending, 1u);  // another owner's key is untouched
  EXPECT_EQ(db.state(kKey), SelectDb::State::kIdle);
  EXPECT_EQ(db.state(elsewhere), SelectDb::State::kInFlight);
}


// A takeover (docs/faults.md, "Process pair"): the surviving object's items move to the
// new owner's key, each still waiting for what it waited for; the other object vanishes.
TEST(SelectDb, ATakeoverMovesTheSurvivorsItemsAndVanishesTheRest) {
  SelectDb db;
  const SelectKey listener{1, 0x8000'0001u, 0, 0}, reset{1, 0x8000'0002u, 0, 0};
  auto asking = call_waiting(1), subscribed = call_waiting(1), other = call_waiting(1);
  db.add(listener, SelectDb::State::kInFlight, subscribed, 0);
  db.deliver(listener, empty(), false, false, false);  // "not ready, will notify"
  EXPECT_EQ(subscribed->answers_pending, 0u);
  db.add(listener, SelectDb::State::kSubscribed, asking, 1);  // answered at once from the entry
  auto fresh = call_waiting(1);
  const SelectKey held{1, 0x8000'0001u, 1, 0};  // another event of the listener, asked while held
  db.add(held, SelectDb::State::kInFlight, fresh, 0);
  db.add(reset, SelectDb::State::kInFlight, other, 0);

  const SelectDb::Moved m = db.move_owner(1, 2, [](uint32_t object) { return object == 0x8000'0001u; });
  EXPECT_EQ(m.items_moved, 3u);
  ASSERT_EQ(m.ask.size(), 2u);
  EXPECT_EQ(m.ask[0], (SelectKey{2, 0x8000'0001u, 0, 0}));
  EXPECT_EQ(m.ask[1], (SelectKey{2, 0x8000'0001u, 1, 0}));
  EXPECT_EQ(m.vanished.linked, 1u);
  EXPECT_EQ(other->answers.size(), 1u);
  EXPECT_EQ(db.state(listener), SelectDb::State::kIdle);
  EXPECT_EQ(db.state(m.ask[0]), SelectDb::State::kInFlight);

  // The new owner answers "not ready": the items waiting for a notification wait on.
  auto d = db.deliver(m.ask[0], empty(), false, false, false);
  EXPECT_TRUE(d.wake.empty());
  EXPECT_TRUE(subscribed->ready.empty());
  EXPECT_TRUE(asking->ready.empty());
  auto a = db.deliver(m.ask[1], empty(), false, false, false);
  ASSERT_EQ(a.wake.size(), 1u);  // the held item had no answer yet: now it has
  EXPECT_EQ(fresh->answers_pending, 0u);
  // Its notification wakes both items of the listener's read key.
  auto n = db.deliver(m.ask[0], readable(), true, true, false);
  EXPECT_EQ(n.linked, 2u);
  EXPECT_EQ(subscribed->ready.size(), 1u);
  EXPECT_EQ(asking->ready.size(), 1u);
}

// A key that cannot be asked (the engine's table full at a takeover's re-arm): each item
// goes back to its call, which asks again; none is lost, none reports readiness.
TEST(SelectDb, HandBackReturnsEveryItemToItsCall) {
  SelectDb db;
  auto subscribed = call_waiting(1), asking = call_waiting(1);
  db.add(kKey, SelectDb::State::kInFlight, subscribed, 2);
  db.deliver(kKey, empty(), false, false, false);
  const SelectDb::Moved m = db.move_owner(1, 2, [](uint32_t) { return true; });
  ASSERT_EQ(m.ask.size(), 1u);
  db.add(m.ask[0], SelectDb::State::kInFlight, asking, 5);
  const SelectDb::Delivered d = db.hand_back(m.ask[0]);
  EXPECT_EQ(d.wake.size(), 2u);
  ASSERT_EQ(asking->to_agents.size(), 1u);  // asks again through the agents
  EXPECT_EQ(asking->to_agents[0].slot, 5u);
  EXPECT_EQ(asking->answers_pending, 0u);
  ASSERT_EQ(subscribed->ready.size(), 1u);  // a record of the last ("not ready") state: a rescan
  EXPECT_FALSE(subscribed->ready[0].state.nonempty);
  EXPECT_EQ(db.state(m.ask[0]), SelectDb::State::kIdle);
}

}  // namespace
}  // namespace shadowsel::test
