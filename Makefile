# The two quick-start commands (make run, make test), the benchmarks and the
# notify engine's hardware report (make hw-report).
# Every target first runs scripts/setup, which installs missing Debian packages.
BUILD  ?= build
ARGS   ?=
CMAKE_FLAGS ?=
PY     := /usr/bin/python3

.PHONY: all setup configure build run test bench hw-report clean

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja: | setup
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache $(CMAKE_FLAGS)

configure: setup $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) --target shadowsel

run: build
	./$(BUILD)/shadowsel $(ARGS)

test: configure
	cmake --build $(BUILD)
	ctest --test-dir $(BUILD) --output-on-failure -j2 $(CTEST_ARGS)

bench: configure
	cmake --build $(BUILD) --target shadowsel hostcost ne_tb ne_cosim
	$(PY) bench/run.py --build $(BUILD)

# Area and clock of the notify engine on iCE40 (Yosys, nextpnr) -> docs/hw-report.md.
# Builds only the generated SystemVerilog packages, not the project.
hw-report: configure
	cmake --build $(BUILD) --target ipb_gen ne_gen
	$(PY) scripts/hw_report.py --build $(BUILD) $(HW_REPORT_ARGS)

clean:
	rm -rf $(BUILD)
