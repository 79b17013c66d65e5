# Front door. CMake is the real build; these targets set up, build and test.
#   make          build (release with debug info) into build/
#   make run      set-up + build + start brisk-server on its defaults
#   make test     set-up + build + every test (unit, integration, ASan/UBSan, layering, fuzz 60 s)
#   make asan     tests under ASan + UBSan (build-asan/)
#   make fuzz     RESP parser fuzzer, then the REST request fuzzer, then the append-log
#                 loader fuzzer; FUZZ_SECONDS=N each (default 60)
#   make crash-test  the crash tests (tests/crash/) long: CRASH_CYCLES kill -9 cycles per
#                 fsync policy, CRASH_CASES damaged files per kind, CRASH_WRITERS clients;
#                 CRASH_SEED=N replays a run (`make test` runs them short, ~20 s)
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
CRASH_CYCLES ?= 100
CRASH_CASES ?= 200
CRASH_WRITERS ?= 32
CRASH_SEED ?=
CMAKE_FLAGS ?=

.PHONY: all setup build run test unit asan fuzz tsan bench crash-test format check-layering clean

all: build

setup:
	@scripts/bootstrap

build: setup
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

run: build
	./build/src/server/brisk-server conf/brisk.conf

unit: build
	cd build && ctest --output-on-failure -j $(JOBS)

test: build check-layering
	cd build && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

asan: setup
	@CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBRISK_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

tsan: setup
	@CC=clang CXX=clang++ cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DBRISK_TSAN=ON >/dev/null
	@cmake --build build-tsan -j $(JOBS)
	cd build-tsan && ctest --output-on-failure -j $(JOBS)

fuzz: setup
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBRISK_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target resp_parser_fuzz rest_request_fuzz log_loader_fuzz
	@mkdir -p build-fuzz/corpus build-fuzz/rest_corpus build-fuzz/log_corpus
	./build-fuzz/tests/fuzz/resp_parser_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -print_final_stats=1 build-fuzz/corpus tests/fuzz/corpus
	./build-fuzz/tests/fuzz/rest_request_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	    -print_final_stats=1 build-fuzz/rest_corpus tests/fuzz/rest_corpus
	./build-fuzz/tests/fuzz/log_loader_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	    -print_final_stats=1 build-fuzz/log_corpus tests/fuzz/log_corpus

check-layering:
	@scripts/check-layering

bench: build
	scripts/bench

crash-test: build
	cd build && BRISK_CRASH_CYCLES=$(CRASH_CYCLES) BRISK_CRASH_CASES=$(CRASH_CASES) \
	    BRISK_CRASH_WRITERS=$(CRASH_WRITERS) BRISK_CRASH_SEED=$(CRASH_SEED) \
	    ./tests/crash/crash_tests --durations yes

format:
	find src tests -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build build-asan build-tsan build-fuzz
