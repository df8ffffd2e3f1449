// SPDX-License-Identifier: MIT
// The POSIX layer of one CPU's kernel: descriptor tables, open file
// descriptions, pipes and FIFOs, select/poll, spawn and waitpid, with Linux's
// results and errno values. Objects whose real structure lives on this CPU are
// handled here; operations on a shadow (an end whose real pipe or FIFO lives
// on another CPU) are routed to this CPU's pipe or FIFO agent (firmware/) as
// messages, and the agents move data and readiness over the bus (the seed's
// Figs. 3 and 5). Every step charges the cost table through the Kernel.
#pragma once

#include <poll.h>
#include <termios.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "shadowsel/driver/signals.h"
#include "shadowsel/driver/pipe_buffer.h"
#include "shadowsel/driver/process.h"
#include "shadowsel/sim/stats.h"

namespace shadowsel::drv {

class Kernel;
class FileSystem;
class NeDriver;
class FileOps;
class IoObjectOwner;
struct FsNode;
struct ShadowSocket;
class Epoll;
struct EpollEvent;
struct EventfdObject;

/// Well-known ports of each CPU's services (below Kernel::kFirstUserPid).
constexpr uint32_t kPipeAgentPort = 1;
constexpr uint32_t kFifoAgentPort = 2;
constexpr uint32_t kProcManagerPort = 3;
constexpr uint32_t kSocketAgentPort = 4;
/// The network I/O process, on each CPU that carries a network port (docs/sockets.md).
constexpr uint32_t kNetIoPort = 6;
/// The network I/O process's timer (SYN retransmission), on the same CPUs.
constexpr uint32_t kNetIoTimerPort = 8;
/// The network port's receive process (its driver's bottom half), on the same CPUs.
constexpr uint32_t kNetRxPort = 9;
/// The TTY agent of every CPU, and the telnet I/O process that owns the TTY lines on
/// the first I/O CPU with its line input (the terminal side), docs/ttys.md.
constexpr uint32_t kTtyAgentPort = 5;
constexpr uint32_t kTelnetIoPort = 7;
constexpr uint32_t kTelnetLinePort = 10;
/// The liveness service of every CPU: I'm-alive and regroup on `--notify sw`, and where
/// the CPU acts on another's death on every path (docs/faults.md).
constexpr uint32_t kLivenessPort = 11;

/// A pipe, FIFO or socket: the CPU holding its real structure and its id there (a
/// socket's id has kSocketObjectBit set: one object name space per owner CPU).
struct ConnId {
  uint32_t owner = 0;
  uint32_t id = 0;
  bool fifo = false;
  auto operator<=>(const ConnId&) const = default;
  uint32_t agent_port() const { return fifo ? kFifoAgentPort : kPipeAgentPort; }
};

/// What a select/poll waits for on a pipe: the seed's (connection, event).
enum class Interest : uint8_t { kRead = 0, kWrite = 1 };

/// A snapshot of a real object, enough to compute any description's poll bits: what a
/// ready record, an answer or a notification carries. Pipes and FIFOs carry their
/// counts (the poll bits depend on the description: pipe_poll()); sockets carry the
/// poll bits the owner computed (tcp_poll() does not depend on the description).
struct ObjectState {
  enum class Kind : uint8_t { kPipe, kSocket };
  Kind kind = Kind::kPipe;
  bool nonempty = false;
  bool full = false;
  uint32_t readers = 0;
  uint32_t writers = 0;
  uint32_t w_counter = 0;   ///< writer opens so far (Linux's pipe->w_counter)
  short events = 0;         ///< kSocket: the socket's poll bits
  uint64_t changed_at = 0;  ///< cycle of the last change, for wake-up latency
};

/// The poll bits of a description with these access rights: Linux's pipe_poll() for a
/// pipe (`version` is the description's f_pipe: it suppresses POLLHUP until a writer
/// was seen), the owner's bits for a socket.
short poll_mask_of(const ObjectState& s, bool can_read, bool can_write, uint32_t version);
/// True when `i` would report something (so interest in it is satisfied).
bool interest_ready(const ObjectState& s, Interest i, uint32_t version);

/// One entry of a blocked call's ready list.
struct ReadyRecord {
  uint32_t slot = 0;  ///< index into the call's entries
  ObjectState state;
  bool remote = false;
  Interest interest = Interest::kRead;  ///< remote: the event of the key it answers
};

/// A process blocked in select/poll (or a blocking read/write/open waiting for
/// readiness). The distributor and local wake-ups link records into `ready`;
/// answers to this call's own requests arrive in `answers`.
struct Wait {
  /// One (descriptor, event) of the call that must be asked of a remote owner.
  struct Item {
    uint32_t slot = 0;  ///< index into the call's entries
    Interest interest = Interest::kRead;
  };
  Process* proc = nullptr;
  uint64_t id = 0;
  bool active = true;
  std::vector<ReadyRecord> ready;
  std::vector<ReadyRecord> answers;
  uint32_t answers_pending = 0;
  /// Items the notify engine could not keep (the owner's remote interest table was
  /// full): the call hands them to the agents, which have no table limit.
  std::vector<Item> to_agents;
  /// A registration that outlives calls (an epoll item, epoll.h): wake_wait runs this
  /// instead of waking a process; it takes the records linked into `ready`/`answers`.
  std::function<void(Wait&)> on_wake;
};

/// An open file description (Linux's struct file).
struct OpenFile {
  /// kConsole: the host's stdin/stdout/stderr, descriptors 0-2 of a program.
  enum class Type { kPipe, kRegular, kDirectory, kConsole, kSocket, kTty, kEpoll, kEventfd };
  /// What Linux keeps in the description itself. A child spawned on another
  /// CPU gets a description of its own there (its CPU's reference to the
  /// pipe), but shares this part with the parent's, as after fork(): the model
  /// keeps one copy for both and does not carry it on the bus.
  struct Status {
    int flags = 0;     ///< O_ACCMODE bits, O_NONBLOCK, O_APPEND
    uint64_t pos = 0;  ///< regular files: the offset
  };
  Type type = Type::kPipe;
  std::shared_ptr<Status> status = std::make_shared<Status>();
  ConnId conn;
  uint32_t version = 0;
  std::shared_ptr<FsNode> node;
  int host_fd = -1;  ///< kConsole: the host descriptor it stands for
  std::shared_ptr<Epoll> epoll;  ///< kEpoll: the instance (epoll.h)
  /// kEventfd: its counter, on the CPU that made it (null in a child on another CPU).
  std::shared_ptr<EventfdObject> eventfd;
  uint32_t refs = 0;  ///< descriptors (in any process of this CPU) naming it
  int& flags() { return status->flags; }
  int flags() const { return status->flags; }
  uint64_t& pos() { return status->pos; }
  bool can_read() const;
  bool can_write() const;
  bool nonblock() const;
  /// The operations of this kind of file (file_ops.h).
  const FileOps& ops() const;
};

/// A pipe or FIFO whose real structure is on this CPU.
struct PipeObject {
  struct LocalWaiter {
    std::shared_ptr<Wait> wait;
    uint32_t slot;
    Interest interest;
    uint32_t version;
    /// What the waiter was last woken for: a waiter stays until its call ends (an epoll
    /// item's for good), and is woken again only when its side's wait queue would be in
    /// Linux (wakes() moved) or the interest became ready.
    uint64_t wakes_seen = 0;
    bool was_ready = false;
  };
  /// The remote interest table (the seed's step T10): which CPUs asked for what.
  struct RemoteInterest {
    bool read = false;
    std::vector<uint32_t> read_versions;
    bool write = false;
  };
  struct PendingOpen {  ///< a remote blocking FIFO open waiting for its partner
    uint32_t cpu;
    uint64_t corr;
    bool reader;
    uint32_t counter_at_open;
  };
  /// Descriptions of the pipe one CPU holds.
  struct Held {
    uint32_t readers = 0, writers = 0, files = 0;
  };
  ConnId conn;
  PipeBuffer buf;
  uint32_t readers = 0, writers = 0, files = 0, r_counter = 0, w_counter = 0;
  /// The counts above by CPU holding them: what a CPU's death takes away.
  std::map<uint32_t, Held> held;
  uint64_t changed_at = 0;
  std::vector<LocalWaiter> waiters;
  std::map<uint32_t, RemoteInterest> remote;
  std::vector<std::shared_ptr<Wait>> open_waiters;
  std::vector<PendingOpen> pending_opens;
  bool kick_pending = false;
  /// Linux's wake-ups of the pipe's two wait queues: readers' at every write that put
  /// data in, writers' at every read that made room (epoll's edge-triggered events).
  uint64_t reader_wakes = 0, writer_wakes = 0;
  /// Persistent remote interest (epoll items of other CPUs) the agent keeps for it.
  uint32_t remote_watches = 0;
  ObjectState state() const;
  uint64_t wakes(Interest i) const { return i == Interest::kRead ? reader_wakes : writer_wakes; }
};

/// What a child inherits besides its descriptors and signal state: its process group
/// (kill(0), kill(-pgid)) and its core file size limit (RLIMIT_CORE), as after fork().
struct ProcInherit {
  int32_t pgid = 0;                 ///< 0: the child leads a group of its own
  uint64_t core_soft = 0;           ///< the runner starts programs as `ulimit -c 0` does
  uint64_t core_hard = ~uint64_t{0};  ///< RLIM_INFINITY
};

struct PosixCounters {
  uint64_t selects = 0;          ///< select and poll calls (internal waits included)
  uint64_t fds_scanned = 0;      ///< descriptors polled by the scan at a call's start
  uint64_t rescans = 0;          ///< wakes whose ready list held nothing of interest
  uint64_t ready_list_wakes = 0; ///< wakes answered from the ready list alone
  uint64_t local_notifications = 0;  ///< local waiters woken by a local pipe's change
  uint64_t remote_ops = 0;       ///< reads, writes, opens routed to an agent
  uint64_t results_given_back = 0;  ///< accepts and FIFO opens completed for a caller killed meanwhile, undone
  uint64_t children_lost = 0;    ///< children reported killed because their CPU was declared down
  uint64_t shadows_reset = 0;    ///< shadow sockets reset because their I/O CPU was declared down
  uint64_t sockets_moved = 0;    ///< shadow sockets re-pointed to the network I/O process's backup at a takeover
  uint64_t select_items_moved = 0;  ///< waiting select/poll items asked again at the new owner after a takeover
  uint64_t select_items_vanished_at_takeover = 0;  ///< waiting items whose object did not survive a takeover
};

class PosixKernel {
 public:
  PosixKernel(Kernel& k, FileSystem& fs);
  ~PosixKernel();

  Kernel& kernel() { return k_; }
  FileSystem& fs() { return fs_; }

  /// Starts a program's main as a process on this CPU with no descriptors.
  Process& start_program(const std::string& name, std::function<int()> main);
  /// Exit status of a finished top-level program (Linux wait status encoding).
  std::optional<int> program_status(uint32_t pid) const;

  // --- system calls: made by the running process; return -errno on failure ---
  int sys_pipe(Process& self, int fds[2], int flags = 0);  ///< pipe2() with flags
  int64_t sys_read(Process& self, int fd, std::span<uint8_t> buf);
  int64_t sys_write(Process& self, int fd, std::span<const uint8_t> buf);
  int sys_close(Process& self, int fd);
  int sys_dup(Process& self, int fd);
  int sys_dup2(Process& self, int oldfd, int newfd);
  int sys_dup3(Process& self, int oldfd, int newfd, int flags);
  int sys_fcntl(Process& self, int fd, int cmd, long arg);
  int sys_open(Process& self, const std::string& path, int flags, uint32_t mode);
  int64_t sys_lseek(Process& self, int fd, int64_t off, int whence);
  int sys_mkfifo(Process& self, const std::string& path, uint32_t mode);
  int sys_unlink(Process& self, const std::string& path);
  /// poll(): `timeout_cycles` < 0 waits forever. Fills revents.
  int sys_poll(Process& self, std::span<struct ::pollfd> fds, int64_t timeout_cycles);
  /// select(): the sets are bitmaps of nfds bits; `timeout_cycles` < 0 forever;
  /// `remaining` receives the cycles left (0 on timeout).
  int sys_select(Process& self, int nfds, uint64_t* rd, uint64_t* wr, uint64_t* ex,
                 int64_t timeout_cycles, int64_t* remaining);
  // epoll (epoll.cpp): -errno on failure; epoll_wait may throw SignalInterrupted
  int sys_epoll_create(Process& self, int flags);
  int sys_epoll_ctl(Process& self, int epfd, int op, int fd, const EpollEvent* ev);
  int sys_epoll_wait(Process& self, int epfd, EpollEvent* out, int maxevents, int64_t timeout_cycles);
  int sys_sigaction(Process& self, int sig, const SignalAction* act, SignalAction* old);
  int sys_sigprocmask(Process& self, int how, const uint64_t* set, uint64_t* old);
  /// The blocked signals that are pending (sigpending()).
  uint64_t sys_sigpending(Process& self);
  /// Blocks until a signal handler runs (pause(); sigsuspend() around it): only returns
  /// by SignalInterrupted or by the process's end.
  [[noreturn]] void sys_pause(Process& self);
  /// ITIMER_REAL in cycles: SIGALRM after `value` (0: disarm), then every `interval`;
  /// the previous value (time left) and interval.
  int sys_setitimer(Process& self, uint64_t value, uint64_t interval, uint64_t* old_value, uint64_t* old_interval);
  /// Runs the pending signals `self` does not block, as Linux does on the return to user
  /// mode: default actions (may end the process or stop it until SIGCONT), handlers with
  /// their masks. True when every handler that ran has SA_RESTART (a call it interrupted
  /// may be made again); `handled` says whether any ran.
  bool deliver_signals(Process& self, bool* handled = nullptr);
  /// pselect/ppoll: the blocked mask for the wait (SIGKILL, SIGSTOP dropped), set without
  /// a call's cost; returns the mask it replaced (given back the same way).
  uint64_t set_wait_mask(Process& self, uint64_t mask);
  /// eventfd(2): a counter local to this CPU (eventfd_file.cpp).
  int sys_eventfd(Process& self, unsigned int initval, int flags);
  /// setpgid() of the caller itself, getpgrp(), RLIMIT_CORE (getrlimit/setrlimit).
  int sys_setpgid(Process& self, int pid, int pgid);
  int sys_getpgrp(Process& self);
  int sys_core_limit(Process& self, const uint64_t* soft_hard_new, uint64_t* soft_hard_old);
  /// kill() of every process of group `pgid` on this CPU (0: every process but
  /// `exclude`, kill(-1)); the number found. The process manager's kKillGroup.
  int kill_group_here(int32_t pgid, int sig, int32_t sender, int32_t exclude);
  int sys_waitpid(Process& self, int pid, int* status, int options);
  int sys_getpid(Process& self);
  int sys_getppid(Process& self);
  /// kill(): any signal (0 probes) to one process on any CPU (a message to its CPU), or
  /// with pid 0, -1 or -pgid to every process of a group on every CPU (kKillGroup).
  int sys_kill(Process& self, int pid, int sig);
  int sys_spawn(Process& self, int cpu, int (*child)(void*), void* arg);
  // TTYs (tty_file.cpp): struct termios as <termios.h>; -ENOTTY on any other file
  int sys_tcgetattr(Process& self, int fd, struct ::termios* t);
  int sys_tcsetattr(Process& self, int fd, int optional_actions, const struct ::termios* t);
  // sockets (socket_calls.cpp); addresses are IPv4 in host order
  int sys_socket(Process& self, int domain, int type, int protocol);
  int sys_socketpair(Process& self, int domain, int type, int protocol, int fds[2]);
  int sys_bind(Process& self, int fd, uint32_t addr, uint32_t port);
  int sys_listen(Process& self, int fd, int backlog);
  /// accept4(): `peer` receives the peer's address and port when not null.
  int sys_accept(Process& self, int fd, int flags, uint32_t* peer_addr, uint32_t* peer_port);
  int sys_connect(Process& self, int fd, uint32_t addr, uint32_t port);
  /// send/sendto: `to` is used when `to_given` (a datagram socket's destination).
  int64_t sys_send(Process& self, int fd, std::span<const uint8_t> buf, int flags, bool to_given = false,
                   uint32_t to_addr = 0, uint32_t to_port = 0);
  /// recv/recvfrom: `from_*` receive a datagram's source; `*is_dgram` whether there is one.
  int64_t sys_recv(Process& self, int fd, std::span<uint8_t> buf, int flags, uint32_t* from_addr = nullptr,
                   uint32_t* from_port = nullptr, bool* is_dgram = nullptr);
  int sys_shutdown(Process& self, int fd, int how);
  int sys_getname(Process& self, int fd, bool peer, uint32_t* addr, uint32_t* port);
  int sys_getsockopt(Process& self, int fd, int level, int name, int* value);
  int sys_setsockopt(Process& self, int fd, int level, int name, int value);
  [[noreturn]] void sys_exit(Process& self, int status);

  // --- used by this CPU's agents and process manager (firmware/) ---
  PipeObject* pipe(uint32_t id);
  std::shared_ptr<Wait> wait_by_id(uint64_t id);
  void wake_wait(Wait& w);
  /// A real pipe changed: wake local waiters, kick the agent for remote ones.
  void pipe_changed(Process& self, PipeObject& p, bool in_agent);
  /// While set, the pipe changes made are a read or write of CPU `cpu` whose result carries
  /// the new state (the owner's agent serving a remote operation): the notify engine's
  /// driver need not tell that CPU's watches of a mere readiness flip (watch_rule.h).
  void set_change_cause(std::optional<uint32_t> cpu) { change_cause_ = cpu; }
  /// Reads and writes on a real pipe, as Linux's non-blocking pipe_read/pipe_write.
  int64_t pipe_read_now(Process& self, PipeObject& p, std::span<uint8_t> out);
  int64_t pipe_write_now(Process& self, PipeObject& p, std::span<const uint8_t> data, bool merge);
  /// Counts descriptions of a real pipe held on CPU `holder` (spawn, close, open).
  void pipe_ref(PipeObject& p, bool reader, bool writer, int delta, uint32_t holder);
  /// Drops every description of `p` CPU `holder` held (it was declared down), as
  /// their closes would; false if it held none.
  bool pipe_release_holder(PipeObject& p, uint32_t holder);
  /// The real pipes and FIFOs of this CPU.
  std::vector<PipeObject*> pipes();
  /// Frees a pipe (not a FIFO) once no description of it is left on any CPU.
  void free_if_unused(PipeObject& p);
  /// Linux's fifo_open() counting for an open from another CPU; returns
  /// -ENXIO, or 1 if the opener must wait for a partner, else 0.
  int fifo_open_counts(PipeObject& p, bool reader, bool writer, bool nonblock, uint32_t* version,
                       uint32_t holder);
  /// Creates a child process from a spawn request (descriptors already built).
  /// `sig`: the parent's dispositions and mask, inherited as after fork().
  uint32_t create_child(std::function<int(void*)> fn, void* arg, int32_t parent_gpid,
                        std::vector<std::shared_ptr<OpenFile>> fds, const SignalState& sig = {},
                        const ProcInherit& inherit = {});
  std::shared_ptr<OpenFile> make_open_file(const OpenFile& f);
  /// A child's wait status changed (kChildStatus): it exited, stopped or continued.
  void child_status(int32_t parent_gpid, int32_t child_gpid, int status);
  /// CPU `cpu` was declared down (membership.h): children there died as by SIGKILL,
  /// and the shadows of its sockets are reset.
  void cpu_down(uint32_t cpu);
  /// kill() of process `pid` (a pid of this CPU) by the process manager: 0 or -ESRCH.
  int kill_here(int32_t pid, int sig, int32_t sender);
  int32_t gpid(const Process& p) const;

  // --- sockets: shadows on this CPU, real sockets on an I/O CPU (socket.h) ---
  ShadowSocket* shadow(uint32_t owner, uint32_t id);
  ShadowSocket& make_shadow(uint32_t owner, uint32_t id);
  void drop_shadow(uint32_t owner, uint32_t id);
  /// A shadow's data or pushed state changed: wake the local calls it satisfies.
  void shadow_changed(ShadowSocket& s);
  /// The shadow left forwarding mode: its local waiters wake and ask the I/O process.
  void shadow_left_forwarding(ShadowSocket& s);
  /// The I/O CPU whose network I/O process makes this CPU's new sockets.
  void set_network_io_cpu(uint32_t cpu) { net_io_cpu_ = cpu; }
  uint32_t network_io_cpu() const { return net_io_cpu_; }
  /// The CPU of the network I/O process's backup (docs/faults.md, "Process pair"), or none.
  void set_network_io_backup(std::optional<uint32_t> cpu) { net_io_backup_ = cpu; }
  std::optional<uint32_t> network_io_backup() const { return net_io_backup_; }
  /// Sockets of CPU `owner` wait for its backup to take them over: `owner` is the
  /// primary and its backup's CPU is up (ops on them are held, shadows not reset).
  bool awaits_takeover(uint32_t owner) const;
  /// The network I/O process moved from CPU `old` to `now` (kNetTakeover): the sockets
  /// in `survived` are re-pointed on this CPU (shadows and descriptions), the other
  /// shadows of `old` are reset; `backup` is the new backup's CPU.
  void network_io_moved(uint32_t old, uint32_t now, std::optional<uint32_t> backup,
                        const std::vector<uint32_t>& survived);
  /// A select database (an agent's or the engine driver's) moved `moved` waiting items
  /// to the new owner at a takeover and woke `vanished` ones (counters only).
  void count_takeover_items(uint32_t moved, uint32_t vanished) {
    c_.select_items_moved += moved;
    c_.select_items_vanished_at_takeover += vanished;
  }
  /// An I/O process of this CPU registers the objects whose id has `kind_bit`
  /// (kSocketObjectBit, kTtyObjectBit) here; nullptr unregisters.
  void set_io_owner(uint32_t kind_bit, IoObjectOwner* o);
  /// The state of a real object of this CPU (a pipe, FIFO, socket or TTY) for a select key.
  std::optional<ObjectState> object_state(uint32_t object) const;
  /// A real object of an I/O process here changed: the notify engine's driver sends
  /// what its table waits for.
  void io_object_changed(uint32_t object, const ObjectState& s);

  // --- used by epoll instances (epoll.h) and the agents' watches ---
  /// What this CPU last heard of a remote object's state: its watches' answers and
  /// changes, and the results of its own operations on it (newest change wins).
  void remote_state_seen(uint32_t owner, uint32_t object, const ObjectState& s);
  std::optional<ObjectState> remote_state(uint32_t owner, uint32_t object) const;
  /// A registration that outlives calls (Wait::on_wake), known to the agents by its id.
  std::shared_ptr<Wait> new_registration(std::function<void(Wait&)> on_wake);
  void end_registration(const std::shared_ptr<Wait>& w);
  /// An epoll instance's last descriptor closed.
  void forget_epoll(const Epoll& e);
  /// A pending signal `self` does not block that a wait must end for (a handler, a stop
  /// or a fatal default action); the ignored ones are dropped, as their delivery would.
  bool signal_to_deliver(Process& self);

  // --- used by the kinds of open file (file_ops.h) ---
  /// Blocks until `f` is ready for `i` (a blocking read or write that found none).
  void wait_ready(Process& self, const std::shared_ptr<OpenFile>& f, Interest i);
  /// The description behind `fd`, or nullptr.
  std::shared_ptr<OpenFile> file(Process& self, int fd);
  /// Installs a new description at the lowest free descriptor; the descriptor or -EMFILE.
  int install(Process& self, std::shared_ptr<OpenFile> f, int lowest = 0);
  int replace_fd(Process& self, std::shared_ptr<OpenFile> f, int newfd);  ///< dup2/dup3: close newfd, install f there
  /// SIGPIPE for a write with no reader: by the process's disposition.
  void raise_sigpipe(Process& self);
  void count_remote_op() { ++c_.remote_ops; }
  void count_result_given_back() { ++c_.results_given_back; }

  const PosixCounters& counters() const { return c_; }
  void register_stats(sim::Stats& s) const;
  /// This CPU's notify engine driver, nullptr on the software path (--notify sw).
  NeDriver* ne_driver() { return ne_.get(); }

  /// Blocks until a record arrives, answers are all in, or the deadline passes (true).
  bool block_on(Process& self, Wait& w, int64_t deadline, bool for_answers, bool interruptible = false);

 private:
  struct Proc;
  struct PollEntry {
    int fd;
    short events;
    bool select = false;  ///< select's sets: no implicit POLLHUP/POLLERR
    short revents = 0;
    short allowed() const { return select ? events : static_cast<short>(events | POLLERR | POLLHUP); }
    std::shared_ptr<OpenFile> file;
  };
  Proc& proc(Process& self);
  /// Makes `sig` pending for `p`: a fatal default action kills it where it waits, a
  /// handler interrupts an interruptible wait (Kernel::interrupt).
  void queue_signal(Proc& p, int sig, const SignalInfo& info);
  /// What a signal pending for `p` does now (the job control of queue_signal aside).
  void act_on_pending(Proc& p);
  /// Job control: `p` stops (it is not scheduled back to its program) or continues;
  /// its parent is told either way (kChildStatus).
  void stop_process(Proc& p, int sig);
  void continue_process(Proc& p);
  void report_to_parent(const Proc& p, int status);
  /// Blocks `self` while it is stopped (the return to its program waits for SIGCONT).
  void wait_while_stopped(Process& self, Proc& p);
  /// waitpid's scan: the pid of a child with a report `options` accept, taken; 0 if none.
  int32_t reap(Proc& p, int pid, int options, int* status);
  void arm_alarm(Proc& p, uint64_t at);
  /// A handler awaits delivery: Kernel::interrupt (its interruptible wait ends).
  void interrupt_if_handled(Proc& p);
  /// The process's last moment here: its timer cancelled, its state dropped.
  void forget(Process& self);
  void release(Process& self, std::shared_ptr<OpenFile> f);
  void close_all(Process& self);
  int do_poll(Process& self, std::vector<PollEntry>& entries, int64_t timeout_cycles,
              int64_t* remaining);
  /// One pass of do_poll: arms, scans and, when `may_block`, sleeps. Returns the count,
  /// or nullopt when the call must scan again (a notification reported nothing of
  /// interest: its interest at the owner is spent).
  std::optional<int> poll_pass(Process& self, std::vector<PollEntry>& entries, int64_t deadline,
                               bool may_block, uint64_t call_at);
  /// Asks the remote owners about `items`: through the notify engine when there is one,
  /// else (or for what the engine cannot keep) through the local agents; returns once
  /// every answer is in.
  void ask_owners(Process& self, const std::shared_ptr<Wait>& w,
                  const std::vector<PollEntry>& entries, std::vector<Wait::Item> items);
  void ask_agents(Process& self, Wait& w, const std::vector<PollEntry>& entries,
                  const std::vector<Wait::Item>& items);
  std::shared_ptr<Wait> new_wait(Process& self);
  void end_wait(const std::shared_ptr<Wait>& w);
  int fifo_open_local(Process& self, PipeObject& p, int flags, uint32_t* version);
  PipeObject& new_pipe(bool fifo);

  Kernel& k_;
  FileSystem& fs_;
  std::unordered_map<uint32_t, std::unique_ptr<Proc>> procs_;
  std::unordered_map<uint32_t, std::unique_ptr<PipeObject>> pipes_;
  std::map<std::pair<uint32_t, uint32_t>, std::unique_ptr<ShadowSocket>> shadows_;
  IoObjectOwner* socket_owner_ = nullptr;
  IoObjectOwner* tty_owner_ = nullptr;
  uint32_t net_io_cpu_ = 0;
  std::optional<uint32_t> net_io_backup_;
  /// Resets the shadows whose owner is down and will not be taken over.
  void reset_lost_shadows();
  std::unordered_map<uint64_t, std::weak_ptr<Wait>> waits_;
  std::unordered_map<uint32_t, int> program_status_;
  uint32_t next_pipe_ = 1;
  uint64_t next_wait_ = 1;
  PosixCounters c_;
  // Wake-up latency of the woken select/poll calls on this CPU, by path:
  // [remote][select] (docs/report.md); the recorder keeps remote/local for all CPUs.
  sim::Distribution wake_latency_[2][2];
  std::unique_ptr<NeDriver> ne_;  ///< the engine's driver when the node has an engine
  std::optional<uint32_t> change_cause_;  ///< set_change_cause
  std::vector<std::weak_ptr<Epoll>> epolls_;  ///< this CPU's epoll instances
  std::map<std::pair<uint32_t, uint32_t>, ObjectState> remote_seen_;  ///< (owner, object)
};

}  // namespace shadowsel::drv
