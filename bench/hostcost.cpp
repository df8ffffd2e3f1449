// SPDX-License-Identifier: MIT
//
// hostcost: measure, on the host running the simulator, what a few OS
// primitives really cost, in the spirit of lmbench (lat_syscall, lat_ctx,
// lat_pipe, bw_mem bcopy, lat_sig, lat_select). The figures ground the simulator's cost
// table in a real machine instead of guesses: each is reported in
// nanoseconds and converted to cycles at a chosen clock (--freq-mhz,
// default 500 MHz, the simulator's default frequency).
//
// Usage: hostcost [--json] [--freq-mhz F]
// Exit status: 0 on success, 1 on a system error (fork, pipe, ...),
// 2 on a usage error.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// lmbench takes the median of 11 tries; the median, not the mean or the
// minimum, is what survives a noisy shared VM best.
constexpr int kReps = 11;
// Long enough per repetition to swamp timer and scheduling jitter, short
// enough that 10 measurements stay far under 10 s in total.
constexpr double kRepTargetNs = 30e6;

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "hostcost: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

double now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// run(n) performs n iterations and returns the elapsed ns. Grow n until one
// run is measurable, scale it to the target duration, warm up once, then
// return the median per-iteration cost over kReps runs.
double bench(const std::function<double(long)>& run) {
    long n = 1;
    double t = run(n);
    while (t < 2e6 && n < (1L << 40)) {
        n *= 2;
        t = run(n);
    }
    n = std::max(1L, long(double(n) * kRepTargetNs / std::max(t, 1.0)));
    run(n);  // warm-up: caches, TLB, page faults, CPU frequency
    std::vector<double> per_iter;
    for (int i = 0; i < kReps; ++i) per_iter.push_back(run(n) / double(n));
    return median(per_iter);
}

// --- syscall entry ---------------------------------------------------------

double measure_syscall() {
    return bench([](long n) {
        double t0 = now_ns();
        // Raw syscall: glibc's getppid() wrapper could be cached one day,
        // syscall(2) always enters the kernel.
        for (long i = 0; i < n; ++i) syscall(SYS_getppid);
        return now_ns() - t0;
    });
}

// --- pipes and processes pinned on one CPU ---------------------------------

void write_byte(int fd) {
    char c = 'x';
    if (write(fd, &c, 1) != 1) die("pipe write");
}

void read_byte(int fd) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r != 1) {
        if (r == 0) errno = EPIPE;  // peer gone: report it, don't spin
        die("pipe read");
    }
}

void make_pipe(int fds[2]) {
    if (pipe(fds) != 0) die("pipe");
}

// Pins the calling process to one CPU for its lifetime; forked children
// inherit the mask, so both ends of a ping-pong share that CPU and every
// hand-off is a real context switch (no cross-CPU wake-up).
class PinToOneCpu {
public:
    PinToOneCpu() {
        if (sched_getaffinity(0, sizeof saved_, &saved_) != 0) die("sched_getaffinity");
        int cpu = sched_getcpu();
        if (cpu < 0 || !CPU_ISSET(cpu, &saved_)) {
            for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &saved_); ++cpu) {
            }
        }
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (sched_setaffinity(0, sizeof one, &one) != 0) die("sched_setaffinity");
    }
    ~PinToOneCpu() { sched_setaffinity(0, sizeof saved_, &saved_); }
    PinToOneCpu(const PinToOneCpu&) = delete;
    PinToOneCpu& operator=(const PinToOneCpu&) = delete;

private:
    cpu_set_t saved_;
};

// Median round-trip time of one byte between this process and a forked
// echo child over two pipes, both pinned to the same CPU.
double measure_round_trip() {
    PinToOneCpu pin;
    int to_child[2], to_parent[2];
    make_pipe(to_child);
    make_pipe(to_parent);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        char c;
        // Echo until the parent closes its end (read returns 0).
        while (read(to_child[0], &c, 1) == 1) {
            if (write(to_parent[1], &c, 1) != 1) _exit(1);
        }
        _exit(0);
    }
    close(to_child[0]);
    close(to_parent[1]);
    double rt = bench([&](long n) {
        double t0 = now_ns();
        for (long i = 0; i < n; ++i) {
            write_byte(to_child[1]);
            read_byte(to_parent[0]);
        }
        return now_ns() - t0;
    });
    close(to_child[1]);
    close(to_parent[0]);
    int status;
    if (waitpid(pid, &status, 0) < 0) die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "hostcost: echo child failed\n");
        std::exit(1);
    }
    return rt;
}

// lat_ctx's overhead: one write plus one read on a pipe, in one process,
// with no switch. A round trip holds two of these and two switches.
double measure_pipe_overhead() {
    PinToOneCpu pin;
    int fds[2];
    make_pipe(fds);
    double o = bench([&](long n) {
        double t0 = now_ns();
        for (long i = 0; i < n; ++i) {
            write_byte(fds[1]);
            read_byte(fds[0]);
        }
        return now_ns() - t0;
    });
    close(fds[0]);
    close(fds[1]);
    return o;
}

// --- memory copy -----------------------------------------------------------

double measure_copy_per_kib() {
    constexpr size_t kSize = 1 << 20;
    std::vector<char> src(kSize), dst(kSize);
    // Touch both buffers with non-zero data so no page is the shared zero
    // page and the measurement sees warm, resident memory.
    std::memset(src.data(), 0x5a, kSize);
    std::memset(dst.data(), 0xa5, kSize);
    double per_copy = bench([&](long n) {
        double t0 = now_ns();
        for (long i = 0; i < n; ++i) {
            std::memcpy(dst.data(), src.data(), kSize);
            // Tell the compiler dst is observed, so no copy is elided.
            asm volatile("" : : "r"(dst.data()) : "memory");
        }
        return now_ns() - t0;
    });
    return per_copy / double(kSize / 1024);
}

// --- signal delivery -------------------------------------------------------

volatile sig_atomic_t g_caught = 0;

void on_sigusr1(int) { g_caught = g_caught + 1; }

double measure_signal() {
    struct sigaction sa, old;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, &old) != 0) die("sigaction");
    pid_t self = getpid();
    double per = bench([&](long n) {
        g_caught = 0;
        double t0 = now_ns();
        // A signal sent to oneself while unblocked is delivered before
        // kill() returns: each iteration is one full kernel entry, frame
        // set-up, handler run and sigreturn, like an interrupt.
        for (long i = 0; i < n; ++i) {
            if (kill(self, SIGUSR1) != 0) die("kill");
        }
        double t = now_ns() - t0;
        if (g_caught != n) {
            std::fprintf(stderr, "hostcost: caught %ld of %ld signals\n", long(g_caught), n);
            std::exit(1);
        }
        return t;
    });
    sigaction(SIGUSR1, &old, nullptr);
    return per;
}

// --- descriptor polling --------------------------------------------------

// lat_select's idea: poll() and select() with timeout 0 on N pipe read ends,
// none ready, so each call checks every descriptor once and returns 0. The
// per-descriptor cost is (t(kFdsMany) - t(1)) / (kFdsMany - 1): system call
// entry, argument copying set-up and the return cancel out.
constexpr int kFdsMany = 256;

// kFdsMany pipes whose read ends sit on consecutive descriptors, all below
// FD_SETSIZE so select() can take them. Write ends stay open (and empty), so
// no read end is ever ready or at end of file.
class IdlePipes {
public:
    IdlePipes() {
        // 3 descriptors per pipe at the peak (both ends, then the moved read
        // end); make sure the soft limit allows that.
        rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) != 0) die("getrlimit");
        const rlim_t need = 3 * kFdsMany + 64;
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
            rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : std::min(need, rl.rlim_max);
            if (setrlimit(RLIMIT_NOFILE, &rl) != 0) die("setrlimit");
        }
        std::vector<int> first_read_ends;
        int base = 0;
        for (int i = 0; i < kFdsMany; ++i) {
            int fds[2];
            make_pipe(fds);
            first_read_ends.push_back(fds[0]);
            write_ends_.push_back(fds[1]);
            base = std::max({base, fds[0] + 1, fds[1] + 1});
        }
        // pipe() interleaves read and write ends; move the read ends above
        // every descriptor taken so far, where they land on consecutive
        // numbers, so select() scans a dense bitmap.
        for (int fd : first_read_ends) {
            int moved = fcntl(fd, F_DUPFD, base);
            if (moved < 0) die("fcntl F_DUPFD");
            read_ends_.push_back(moved);
            close(fd);
        }
        if (*std::max_element(read_ends_.begin(), read_ends_.end()) >= FD_SETSIZE) {
            errno = EMFILE;
            die("read ends above FD_SETSIZE");
        }
    }
    ~IdlePipes() {
        for (int fd : read_ends_) close(fd);
        for (int fd : write_ends_) close(fd);
    }
    IdlePipes(const IdlePipes&) = delete;
    IdlePipes& operator=(const IdlePipes&) = delete;

    const std::vector<int>& read_ends() const { return read_ends_; }

private:
    std::vector<int> read_ends_, write_ends_;
};

// Per-call ns of poll(fds, nfds, 0) on the first nfds read ends.
double time_poll(const IdlePipes& p, int nfds) {
    std::vector<pollfd> fds(nfds);
    for (int i = 0; i < nfds; ++i) fds[i] = {p.read_ends()[i], POLLIN, 0};
    return bench([&](long n) {
        double t0 = now_ns();
        for (long i = 0; i < n; ++i) {
            int r = poll(fds.data(), nfds_t(nfds), 0);
            if (r != 0) {
                if (r > 0) errno = EBUSY;  // a descriptor was ready: bad setup
                die("poll");
            }
        }
        return now_ns() - t0;
    });
}

// Per-call ns of select() with timeout 0 on the first nfds read ends.
// select() clears the bits of descriptors that are not ready, so every call
// starts from a fresh copy of the set (a few cache lines; cancels out in
// the difference like the rest of the fixed cost).
double time_select(const IdlePipes& p, int nfds) {
    fd_set want;
    FD_ZERO(&want);
    for (int i = 0; i < nfds; ++i) FD_SET(p.read_ends()[i], &want);
    const int maxfd = *std::max_element(p.read_ends().begin(), p.read_ends().begin() + nfds);
    return bench([&](long n) {
        double t0 = now_ns();
        for (long i = 0; i < n; ++i) {
            fd_set rd = want;
            timeval tv = {0, 0};
            int r = select(maxfd + 1, &rd, nullptr, nullptr, &tv);
            if (r != 0) {
                if (r > 0) errno = EBUSY;
                die("select");
            }
        }
        return now_ns() - t0;
    });
}

struct PerFd {
    double poll_ns;
    double select_ns;
};

PerFd measure_per_fd() {
    IdlePipes p;
    PerFd r;
    r.poll_ns = (time_poll(p, kFdsMany) - time_poll(p, 1)) / (kFdsMany - 1);
    r.select_ns = (time_select(p, kFdsMany) - time_select(p, 1)) / (kFdsMany - 1);
    return r;
}

// --- output ----------------------------------------------------------------

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            if (colon == std::string::npos) break;
            auto start = line.find_first_not_of(" \t", colon + 1);
            return start == std::string::npos ? "unknown" : line.substr(start);
        }
    }
    return "unknown";
}

std::string utc_date() {
    time_t t = time(nullptr);
    tm utc;
    gmtime_r(&t, &utc);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &utc);
    return buf;
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += c;
        }
    }
    return out;
}

long to_cycles(double ns, double freq_mhz) {
    // Anything that costs time costs at least one cycle in the model.
    return std::max(1L, std::lround(ns * freq_mhz / 1000.0));
}

[[noreturn]] void usage(int code) {
    std::fprintf(code ? stderr : stdout, "usage: hostcost [--json] [--freq-mhz F]\n");
    std::exit(code);
}

struct Result {
    const char* name;  // without the _ns suffix
    double ns;
};

}  // namespace

int main(int argc, char** argv) {
    bool json = false;
    double freq_mhz = 500.0;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--json") {
            json = true;
        } else if (a == "--freq-mhz" && i + 1 < argc) {
            char* end;
            freq_mhz = std::strtod(argv[++i], &end);
            if (*end != '\0' || !(freq_mhz > 0) || !std::isfinite(freq_mhz)) {
                std::fprintf(stderr, "hostcost: bad --freq-mhz value '%s'\n", argv[i]);
                return 2;
            }
        } else if (a == "-h" || a == "--help") {
            usage(0);
        } else {
            usage(2);
        }
    }
    // A dead echo child must show up as a write error, not kill us silently.
    std::signal(SIGPIPE, SIG_IGN);

    double syscall_ns = measure_syscall();
    double overhead_ns = measure_pipe_overhead();
    // Two switches and two write+read pairs per round trip.
    double ctx_ns = measure_round_trip() / 2 - overhead_ns;
    double pipe_ns = measure_round_trip() / 2;
    double copy_ns = measure_copy_per_kib();
    double signal_ns = measure_signal();
    PerFd per_fd = measure_per_fd();

    const Result results[] = {
        {"syscall_entry", syscall_ns},     {"context_switch", ctx_ns},
        {"pipe_wakeup", pipe_ns},          {"copy_per_kib", copy_ns},
        {"signal_delivery", signal_ns},    {"poll_per_fd", per_fd.poll_ns},
        {"select_per_fd", per_fd.select_ns},
    };

    if (json) {
        std::printf("{\"date\": \"%s\", \"host\": \"%s\", \"freq_mhz\": %g", utc_date().c_str(),
                    json_escape(cpu_model()).c_str(), freq_mhz);
        for (const auto& r : results) std::printf(", \"%s_ns\": %.1f", r.name, r.ns);
        for (const auto& r : results)
            std::printf(", \"%s_cycles\": %ld", r.name, to_cycles(r.ns, freq_mhz));
        std::printf("}\n");
    } else {
        for (const auto& r : results) std::printf("%s_ns: %.1f ns\n", r.name, r.ns);
        for (const auto& r : results)
            std::printf("%s_cycles: %ld (at %g MHz)\n", r.name, to_cycles(r.ns, freq_mhz),
                        freq_mhz);
    }
    return 0;
}
