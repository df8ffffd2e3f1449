// SPDX-License-Identifier: MIT
// Messages between a CPU's kernel, its agents and process manager, and the
// agents of other CPUs (the seed's Fig. 3: local interface, remote interface).
// Each message starts with an AgentMsg byte; fields follow in WireWriter order
// as listed beside each kind.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "shadowsel/driver/signals.h"
#include "shadowsel/driver/select_db.h"
#include "shadowsel/driver/socket.h"

namespace shadowsel::drv {

class WireWriter;
class WireReader;

/// Bytes one remote read or write of a pipe, socket or TTY moves per request (kOp,
/// kRemoteOp): a pipe's default capacity (pipe_file.cpp checks it), so that one request
/// can fill or drain a pipe; a longer transfer takes several.
inline constexpr uint32_t kMaxRemoteTransfer = 65536;

enum class AgentMsg : uint8_t {
  // local interface: the kernel or a process on this CPU -> its agent
  kSelect = 1,    ///< post: wait id u64, n u32, n x {owner u32, id u32, interest u8, version u32, slot u32}
  kKick = 2,      ///< post: pipe id u32 (a real pipe here changed; check remote interest)
  kOp = 3,        ///< call: PipeOp (SockOp, TtyOp) u8, owner u32, id u32, op fields; reply: ret i64, version u32, data
  kDrop = 4,      ///< post: owner u32, id u32, reader u8, writer u8 (last local description of a pipe closed)
  // remote interface: agent <-> agent
  kSubscribe = 5,     ///< owner u32, id u32, interest u8, version u32, from u32
  kAnswer = 6,        ///< key, ObjectState, ready u8: the immediate answer to kSubscribe
  kNotify = 7,        ///< key, ObjectState, ready u8 (1): the interest recorded by kSubscribe is satisfied
  kRemoteOp = 8,      ///< corr u64, from u32, PipeOp u8, owner u32, id u32, op fields
  kRemoteResult = 9,  ///< corr u64, ret i64, version u32, data, [ObjectState]
  kRemoteDrop = 10,   ///< owner u32, id u32, reader u8, writer u8
  // process manager
  kSpawn = 11,      ///< call: function, argument, parent pid, SIGPIPE disposition, descriptions, fd map (PosixKernel::sys_spawn); reply: child pid i32
  kChildStatus = 12,  ///< post: parent pid i32, child pid i32, wait status i32 (an exit, a stop 0x7f or a continue 0xffff)
  // sockets (socket.h): the network I/O process <-> socket agents
  kSockPush = 13,    ///< I/O process -> the forwarding CPU's agent: owner u32, id u32, ShadowPush, source addr u32, port u32, data
  kSockWindow = 14,  ///< post, kernel -> agent -> I/O process: owner u32, id u32, bytes read u32
  kSockTimer = 15,   ///< post, the I/O process's timer -> the I/O process: id u32 (a SYN to send again)
  kSockReclaim = 16, ///< I/O process -> the forwarding CPU's agent: owner u32, id u32 (contention mode starts)
  kSockReturn = 17,  ///< agent -> I/O process: owner u32, id u32, read unacknowledged u32, unread (put_unread)
  kNetFrame = 18,    ///< post, the port's receive process -> the I/O process: one frame (put_frame)
  // TTYs (tty.h): the line process -> the telnet I/O process on the same CPU
  kTtyInput = 19,    ///< post: line u32, bytes typed on its terminal
  // faults (docs/faults.md): the liveness service -> each service of its CPU
  kCpuDown = 20,     ///< post: cpu u32, declared down (membership.h)
  // process manager
  kKill = 21,        ///< call: pid i32, signal i32; reply: 0 or -ESRCH i32
  // the network I/O process pair (docs/faults.md, "Process pair")
  kNetCheckpoint = 22,  ///< post, primary -> backup I/O process: primary u32, full u8, next id u32, next port u32, n u32, n x {id u32, present u8, record bytes}
  kNetTakeover = 23,    ///< post, primary -> every socket agent: old primary u32, primary u32, backup u32 (kNoCpu: none), n u32, n x surviving id u32
  // persistent remote interest (epoll items, docs/epoll.md)
  kWatch = 24,       ///< post, kernel -> its agent: as kSelect (the item's registration, its slots)
  kUnwatch = 25,     ///< post, kernel -> its agent: as kSelect (the items no longer wanted)
  kWatchAdd = 26,    ///< agent -> owner: owner u32, id u32, interest u8, version u32, from u32
  kWatchDrop = 27,   ///< agent -> owner: as kWatchAdd
  kWatchState = 28,  ///< owner -> agent: key, ObjectState, answer u8 (1: the reply to kWatchAdd; 0: a change)
  // a blocking operation a signal interrupts (numbered apart from the rest to leave room)
  kOpCancel = 40,        ///< post, a process -> its agent: give up my kOp still pending (a blocking FIFO open or accept)
  kKillGroup = 42,       ///< call, to a process manager: pgid i32 (0: all), signal i32, sender i32, excluded pid i32; reply: processes found i32
  kRemoteOpCancel = 41,  ///< post, agent -> the owner (its agent, or the network I/O process): corr u64 of a kRemoteOp from this CPU; the owner answers it -EINTR if still waiting
};

/// No CPU (kNetTakeover's backup when none is left).
constexpr uint32_t kNoCpu = ~0u;

/// The head of a kRemoteOp as its owner reads it: the call to answer, from which CPU,
/// the kind's op byte and the object (the op's fields follow in the reader).
struct RemoteOpHead {
  uint64_t corr = 0;
  uint32_t from = 0;
  uint8_t op = 0;
  uint32_t id = 0;
};
RemoteOpHead get_remote_op(WireReader& r);
/// The kRemoteResult that answers call `corr` (the agent hands it to its caller).
/// A remote pipe read or write gives the pipe's `state` after it, so the caller's CPU
/// knows its own change without a notification (docs/epoll.md).
std::vector<uint8_t> encode_remote_result(uint64_t corr, int64_t ret, uint32_t version,
                                          std::span<const uint8_t> data,
                                          const std::optional<ObjectState>& state = std::nullopt);

/// What a kSockPush tells a shadow besides its data.
struct ShadowPush {
  bool forwarding = true;  ///< false: the socket left forwarding mode for this CPU
  short events = 0;        ///< the real socket's poll bits (data held there excluded)
  bool done = false;       ///< the peer's FIN arrived
  uint32_t window = 0;     ///< the connection's receive window (the shadow gives it back as read)
  uint32_t epoch = 0;      ///< counts the times forwarding started towards a CPU
  bool has_datagram = false;  ///< SOCK_DGRAM: the push carries one datagram (maybe empty)
};

/// Operations on a remote pipe or FIFO. Fields after (owner, id):
enum class PipeOp : uint8_t {
  kRead = 1,    ///< max bytes u32
  kWrite = 2,   ///< merge u8, data
  kOpen = 3,    ///< reader u8, writer u8, nonblock u8 (FIFO open rules at the owner)
  kAddRef = 4,  ///< reader u8, writer u8, holder CPU u32 (a spawned child's inherited description there)
};


/// kSubscribe, kWatchAdd and kWatchDrop: the key and the asking CPU.
std::vector<uint8_t> encode_key_from(AgentMsg kind, const SelectKey& k, uint32_t from);
/// kAnswer and kNotify (`flag`: ready), kWatchState (`flag`: the answer to kWatchAdd):
/// the key, the object's state and the flag.
std::vector<uint8_t> encode_key_state(AgentMsg kind, const SelectKey& k, const ObjectState& s, bool flag);
SelectKey get_key(WireReader& r);

/// The state a kRemoteResult may end with (encode_remote_result's `state`), read after
/// its data; absent in a result made without the owner (owner down).
std::optional<ObjectState> get_result_state(WireReader& r);

/// An ObjectState in kAnswer and kNotify messages.
void put_state(WireWriter& w, const ObjectState& s);
ObjectState get_state(WireReader& r);
void put_push(WireWriter& w, const ShadowPush& p);
ShadowPush get_push(WireReader& r);
/// What a shadow holds unread, given back to the real socket (SockOp::kRelease, kSockReturn).
void put_unread(WireWriter& w, const std::deque<uint8_t>& stream, const std::deque<Datagram>& dgrams);
void get_unread(WireReader& r, std::vector<uint8_t>* stream, std::vector<Datagram>* dgrams);

/// One item of a kSelect message: a (connection, event) and the call's slot for it.
struct SelectItem {
  SelectKey key;
  uint32_t slot = 0;
};

/// The kSelect message of call `wait_id` (the kernel -> its agent), and its reading.
std::vector<uint8_t> encode_select(uint64_t wait_id, std::span<const SelectItem> items,
                                   AgentMsg kind = AgentMsg::kSelect);
std::vector<SelectItem> decode_select(std::span<const uint8_t> msg, uint64_t* wait_id);

class FileSystem;

/// A spawn onto another CPU (PosixKernel::sys_spawn -> that CPU's process manager).
struct SpawnRequest {
  int (*fn)(void*) = nullptr;
  void* arg = nullptr;
  int32_t parent = 0;                 ///< the parent's machine-wide pid
  SignalState signals;                ///< the parent's dispositions and mask, as after fork()
  ProcInherit inherit;                ///< its process group and core size limit
  std::vector<std::shared_ptr<OpenFile>> files;  ///< the distinct descriptions
  std::vector<int32_t> fd_map;        ///< per descriptor: index into files, or -1
};

/// The kSpawn message, and its reading on the child's CPU (descriptions made anew
/// there, each sharing the parent's OpenFile::Status: its host pointer travels and the
/// reader adopts it, so a message must be read exactly once).
std::vector<uint8_t> encode_spawn(const SpawnRequest& r);
SpawnRequest decode_spawn(std::span<const uint8_t> msg, const FileSystem& fs);

}  // namespace shadowsel::drv
