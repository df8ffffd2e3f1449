# The two quick-start commands (make run, make test), the sanitizer suite
# (make test-sanitize), the benchmarks, the notify engine's hardware report
# (make hw-report) and the fuzzer (make fuzz).
# Every target first runs scripts/setup, which installs missing Debian packages.
BUILD  ?= build
ARGS   ?=
CMAKE_FLAGS ?=
PY     := /usr/bin/python3

.PHONY: all setup configure build run test test-sanitize bench hw-report fuzz clean

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja: | setup
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache $(CMAKE_FLAGS)

# An existing build directory is configured again (about a second): the Verilated models
# are generated while CMake runs, from rtl/ne/files.f, so a build directory configured
# before the list changed would otherwise try to verilate the old list.
configure: setup $(BUILD)/build.ninja
	@cmake $(BUILD) > /dev/null

build: configure
	cmake --build $(BUILD) --target shadowsel

run: build
	./$(BUILD)/shadowsel $(ARGS)

test: configure
	cmake --build $(BUILD)
	ctest --test-dir $(BUILD) --output-on-failure -j2 $(CTEST_ARGS)

# The whole suite built with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer (CMake option SHADOWSEL_SANITIZE) in its own build directory; every
# report fails its test (UBSan: -fno-sanitize-recover). Left out: the formal label
# and rtl.ne_synth, which run external tools (yosys-smtbmc, z3, yosys) on the RTL and
# no code of ours; make test runs them. README, "Sanitizers".
SANITIZE_BUILD ?= build-sanitize
SANITIZE_ENV := ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0:strict_string_checks=1:check_initialization_order=1 \
  UBSAN_OPTIONS=print_stacktrace=1
test-sanitize: setup
	@test -f $(SANITIZE_BUILD)/build.ninja || cmake -S . -B $(SANITIZE_BUILD) -G Ninja \
	  -DCMAKE_BUILD_TYPE=Release -DSHADOWSEL_SANITIZE=ON \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache $(CMAKE_FLAGS)
	@cmake $(SANITIZE_BUILD) > /dev/null
	cmake --build $(SANITIZE_BUILD)
	$(SANITIZE_ENV) ctest --test-dir $(SANITIZE_BUILD) --output-on-failure -j2 \
	  -LE formal -E '^rtl\.ne_synth$$' $(CTEST_ARGS)

bench: configure
	cmake --build $(BUILD) --target shadowsel hostcost ne_tb ne_cosim socket_bench fault_bench detect_bench notify_loop_epoll notify_loop_select
	$(PY) bench/run.py --build $(BUILD)

# Area and clock of the notify engine on iCE40 (Yosys, nextpnr) -> docs/hw-report.md.
# Builds only the generated SystemVerilog packages, not the project.
hw-report: configure
	cmake --build $(BUILD) --target ipb_gen ne_gen
	$(PY) scripts/hw_report.py --build $(BUILD) $(HW_REPORT_ARGS)

# libFuzzer over the scenario reader and the option parser (README, "Fuzzing"):
# a separate clang build in $(FUZZ_BUILD), each target run FUZZ_SECONDS over
# the checked-in seeds; new inputs go to $(FUZZ_BUILD)/corpus, findings
# (crash, hang over 10 s, over 2 GB) to $(FUZZ_BUILD)/findings and fail make.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= scenario options
FUZZ_SEEDS_scenario := tests/fuzz/corpus/scenario tests/data/scenarios/good tests/data/scenarios/bad tb/scenarios
FUZZ_SEEDS_options  := tests/fuzz/corpus/options

# One target's run (a recipe line per target: make stops at the first finding).
define fuzz_one
	mkdir -p $(FUZZ_BUILD)/corpus/$(1) $(FUZZ_BUILD)/findings
	$(FUZZ_BUILD)/tests/fuzz/$(1)_fuzzer $(FUZZ_BUILD)/corpus/$(1) $(FUZZ_SEEDS_$(1)) \
	  -dict=tests/fuzz/$(1).dict -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	  -max_len=16384 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/findings/$(1)- $(FUZZ_ARGS)

endef

fuzz: setup
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSHADOWSEL_FUZZ=ON -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
	cmake --build $(FUZZ_BUILD)
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_one,$(t)))
clean:
	rm -rf $(BUILD)
