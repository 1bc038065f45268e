# argon build. `make` builds build/argon (the engine CLI) and build/argon-runtime;
# `make SAN=1 BUILD=build-asan`
# builds the same with ASan+UBSan; `make test` runs the whole suite.
CC       ?= gcc
BUILD    ?= build
SAN      ?= 0
PKGS     := json-c libarchive sqlite3 libseccomp libmnl libnftables
WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wpointer-arith -Wvla \
            -Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter
CFLAGS   ?= -O2 -g
# -D_GNU_SOURCE= (empty) equals a source file's own `#define _GNU_SOURCE`.
CFLAGS   += -std=gnu11 $(WARN) -D_GNU_SOURCE= -fstack-protector-strong -fPIE \
            $(shell pkg-config --cflags $(PKGS)) -iquote src/lib
LDFLAGS  += -pie -Wl,-z,relro,-z,now
LDLIBS   := $(shell pkg-config --libs $(PKGS))
# The binaries load libarchive and libnftables on first use (lazylib.h):
# they are not on their link line, so a direct call fails to link. (The
# unit tests, which call libarchive themselves, link everything.)
LAZY_PKGS := libarchive libnftables
BIN_LIBS := $(shell pkg-config --libs $(filter-out $(LAZY_PKGS),$(PKGS)))
ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
else
CFLAGS   += -D_FORTIFY_SOURCE=2
endif

LIB_SRC  := $(wildcard src/lib/*.c)
LIB_OBJ  := $(LIB_SRC:src/lib/%.c=$(BUILD)/obj/lib/%.o)
RT_SRC   := $(wildcard src/runtime/*.c)
RT_OBJ   := $(RT_SRC:src/runtime/%.c=$(BUILD)/obj/runtime/%.o)
CLI_SRC  := $(wildcard src/cli/*.c)
CLI_OBJ  := $(CLI_SRC:src/cli/%.c=$(BUILD)/obj/cli/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)

# Small static helpers the engine installs beside itself: the per-container
# monitor (its steady state must stay under 1 MiB RSS) and --init's reaper.
HELPER_BINS := $(if $(wildcard src/monitor/main.c),$(BUILD)/argon-monitor) \
               $(if $(wildcard src/init/init.c),$(BUILD)/argon-init)

all: $(BUILD)/argon $(BUILD)/argon-runtime $(BUILD)/argon-testinit $(HELPER_BINS) $(UNIT_BIN)

$(BUILD)/obj/lib/%.o: src/lib/%.c $(wildcard src/lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/runtime/%.o: src/runtime/%.c $(wildcard src/lib/*.h src/runtime/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Isrc/runtime -c -o $@ $<

$(BUILD)/obj/cli/%.o: src/cli/%.c $(wildcard src/lib/*.h src/cli/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Isrc/cli -c -o $@ $<

$(BUILD)/libargon.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# Both binaries copy themselves into a sealed memfd before they put a
# process into a container (CVE-2019-5736, sealed.c): their debug info goes
# to a file beside them (gdb and the sanitizers' symbolizer find it by the
# debuglink), so the copy is 0.3 MB (argon-runtime) and 0.7 MB (argon)
# instead of 1.1 and 2.7.
define link_split_debug
	$(CC) $(LDFLAGS) -o $@.full $^ $(BIN_LIBS)
	objcopy --only-keep-debug $@.full $@.debug
	objcopy --strip-debug --add-gnu-debuglink=$@.debug $@.full $@
	rm -f $@.full
endef

$(BUILD)/argon-runtime: $(RT_OBJ) $(BUILD)/libargon.a
	$(link_split_debug)

$(BUILD)/argon: $(CLI_OBJ) $(BUILD)/libargon.a
	$(link_split_debug)

# The container payload of the tests: static, no libc from the rootfs needed.
$(BUILD)/argon-testinit: tests/init/testinit.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 $(WARN) -D_GNU_SOURCE= -static -o $@ $<

# Static and libc-only, with musl when there is one (a 40 KiB monitor
# instead of glibc's 900 KiB: its resident size is per container); under
# SAN=1 dynamic, so the sanitizers can watch them.
HELPER_LIBC_CC := $(if $(shell command -v musl-gcc),musl-gcc,$(CC))
ifeq ($(SAN),1)
HELPER_CC := $(CC) $(CFLAGS) $(LDFLAGS)
else
HELPER_CC := $(HELPER_LIBC_CC) -std=gnu11 -Os $(WARN) -D_GNU_SOURCE= -Isrc/lib -static
endif
$(BUILD)/argon-monitor: $(wildcard src/monitor/*.c src/monitor/*.h) src/lib/monitor_proto.h
	@mkdir -p $(@D)
	$(HELPER_CC) -Isrc/monitor -o $@ $(wildcard src/monitor/*.c)

# It runs inside containers, whose root has no libc of ours: always static.
$(BUILD)/argon-init: src/init/init.c
	@mkdir -p $(@D)
	$(HELPER_LIBC_CC) -std=gnu11 -Os $(WARN) -D_GNU_SOURCE= -static -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libargon.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libargon.a $(LDLIBS)

deps:
	scripts/install-deps.sh

test: all
	tests/run

clean:
	rm -rf build build-asan

.PHONY: all deps test clean

# Benchmarks (not part of `all`): build/bench/NAME from bench/NAME.c.
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
bench: $(BENCH_BIN)
$(BUILD)/bench/%: bench/%.c $(BUILD)/libargon.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libargon.a $(LDLIBS)
.PHONY: bench

# libFuzzer targets for the untrusted parsers (clang).
# The library is compiled once for all targets (-fsanitize=fuzzer-no-link).
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_CC  := clang -std=gnu11 -g -O1 -D_GNU_SOURCE= -iquote src/lib $(shell pkg-config --cflags $(PKGS))
FUZZ_LIB := $(LIB_SRC:src/lib/%.c=build-fuzz/obj/%.o)
fuzz: $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
build-fuzz/obj/%.o: src/lib/%.c $(wildcard src/lib/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_LIB) $(LDLIBS)
.PHONY: fuzz

# Static analysis: cppcheck over the library and the CLI (CI runs it).
lint:
	cppcheck --quiet --enable=warning,performance,portability --std=c11 \
	  --error-exitcode=1 -D_GNU_SOURCE -D__linux__ --suppress=missingIncludeSystem \
	  --inline-suppr -Isrc/lib -Isrc/runtime -Isrc/cli src/
.PHONY: lint
